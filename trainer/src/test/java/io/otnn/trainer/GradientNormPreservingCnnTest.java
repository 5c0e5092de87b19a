package io.otnn.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.checkpoint.SignatureContract;
import io.otnn.trainer.diagnostics.FrozenCheckpoint;
import io.otnn.trainer.diagnostics.LipschitzAudit;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code cnn-gnp} preset trained briefly on the fixture: a convolutional OTNN whose every input gradient has
 * norm 1 (the paper's Prop. 1 and 2 need it), published with a proven L of 1 and a Grad-CAM signature.
 */
class GradientNormPreservingCnnTest {

    @TempDir
    Path tmp;

    @Test
    void shouldPublishAConvolutionalOtnnWhoseGradientsHaveNormOneAndWhoseBoundIsProven() throws Exception {
        TrainingResult r = new Trainer()
                .train(TrainingConfig.builder()
                        .setDataset("fashion-mnist")
                        .optDataDir(Fixtures.fashionMnistMini())
                        .optArchitecture("cnn-gnp")
                        .optWidthMultiplier(0.125)
                        .optLimit(256)
                        .optTestLimit(64)
                        .setEpochs(1)
                        .setOut(tmp.resolve("gnp"))
                        .build());

        double[] g = r.evaluation().gradientNorm();
        assertThat(g[0]).as("min ‖∇f‖ over the test images").isGreaterThan(0.97);
        assertThat(g[2]).as("max ‖∇f‖").isLessThanOrEqualTo(r.metadata().lipschitzConstant() * (1 + 1e-4));

        FrozenCheckpoint frozen = FrozenCheckpoint.read(r.checkpoint());
        LipschitzAudit.Audit audit = LipschitzAudit.bounds(frozen);
        assertThat(audit.unbounded()).isEmpty();
        assertThat(audit.lipschitzBound()).isCloseTo(1.0, within(1e-3));
        assertThat(r.metadata().lipschitzConstant()).isEqualTo(audit.lipschitzBound());
        assertThat(r.metadata().architecture().get("lipschitz").get("sound").asBoolean())
                .isTrue();
        ModelMetadata m = ModelMetadata.read(r.checkpoint().resolve(ModelMetadata.FILE_NAME));
        assertThat(SignatureContract.declaresGradCam(m)).isTrue();
        assertThat(m.architecture().get("gradcamLayer").asInt()).isEqualTo(9);
    }
}
