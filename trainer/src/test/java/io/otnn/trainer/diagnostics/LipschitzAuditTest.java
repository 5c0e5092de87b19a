package io.otnn.trainer.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.trainer.Fixtures;
import io.otnn.trainer.Trainer;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.TrainingResult;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit of briefly trained tiny OTNNs, read back from their exported checkpoints. */
class LipschitzAuditTest {

    @TempDir
    Path tmp;

    @Test
    void shouldBoundTheDenseOtnnByOneWhenItsLayersAreOrthogonalised() throws Exception {
        TrainingResult r = new Trainer().train(config("dense", 0.0625, tmp.resolve("dense")));

        LipschitzAudit.Audit audit = LipschitzAudit.audit(r.checkpoint());

        assertThat(audit.unbounded()).isEmpty();
        assertThat(audit.rows()).hasSize(6);
        assertThat(audit.lipschitzBound()).isLessThanOrEqualTo(1 + 1e-3).isGreaterThan(0.99);
        for (LipschitzAudit.Row row : audit.rows()) {
            assertThat(row.estimate()).as(row.layer()).isLessThanOrEqualTo(row.bound());
        }
        assertThat(audit.certificateFactor()).isEqualTo(Math.sqrt(2));
        assertThat(audit.toMarkdown())
                .contains("| 1 | SpectralDense(32) | [784] |")
                .contains("L ≤ ");
    }

    @Test
    void shouldBoundEveryLayerOfTheCnnWhenItsConvolutionsHaveStrideOne() throws Exception {
        TrainingResult r = new Trainer().train(config("cnn", 0.0625, tmp.resolve("cnn")));

        LipschitzAudit.Audit audit = LipschitzAudit.audit(r.checkpoint());

        assertThat(audit.unbounded()).isEmpty();
        assertThat(audit.certificateFactor()).isEqualTo(2.0);
        for (LipschitzAudit.Row row : audit.rows()) {
            assertThat(row.estimate()).as(row.layer()).isLessThanOrEqualTo(row.bound());
            if (row.layer().startsWith("SpectralConv2D")) {
                // deel-lip's factor keeps the norm near 1 but not below it: between the reshaped kernel's bound and 1.1
                assertThat(row.bound()).as(row.layer() + " at " + row.index()).isBetween(0.3, 1.1);
            }
        }
        assertThat(audit.lipschitzBound()).isGreaterThanOrEqualTo(audit.estimateProduct());
    }

    private static TrainingConfig config(String preset, double width, Path out) {
        return TrainingConfig.builder()
                .setDataset("fashion-mnist")
                .optDataDir(Fixtures.fashionMnistMini())
                .optArchitecture(preset)
                .optWidthMultiplier(width)
                .optLimit(256)
                .optTestLimit(50)
                .setEpochs(1)
                .setOut(out)
                .build();
    }
}
