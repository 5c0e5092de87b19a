package io.otnn.trainer.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.reference.ReferenceModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed reference checkpoint certifies with the bound its own weights prove, not with an assumed 1. */
class ReferenceCheckpointAuditTest {

    @TempDir
    Path tmp;

    @Test
    void shouldRecordTheLipschitzBoundAndMarginFactorThatItsWeightsProve() throws Exception {
        Path dir = ReferenceModel.extract(tmp);
        FrozenCheckpoint checkpoint = FrozenCheckpoint.read(dir);
        ModelMetadata m = checkpoint.metadata();

        LipschitzAudit.Audit audit = LipschitzAudit.bounds(checkpoint);

        assertThat(audit.unbounded()).isEmpty();
        assertThat(m.lipschitzConstant()).isCloseTo(audit.lipschitzBound(), within(1e-12));
        assertThat(m.certificateFactor() * m.lipschitzConstant())
                .isCloseTo(2 * audit.pairwiseLipschitzBound(), within(1e-12));
        assertThat(m.architecture().get("lipschitz").get("sound").asBoolean()).isTrue();
        // the largest margin gradient seen on the test set stays within what c·L allows
        assertThat(m.evaluationFigure("maxMarginGradientNorm"))
                .isLessThanOrEqualTo(m.certificateFactor() * m.lipschitzConstant());
    }
}
