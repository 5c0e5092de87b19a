package io.otnn.trainer.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.trainer.Fixtures;
import io.otnn.trainer.Trainer;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.TrainingResult;
import io.otnn.trainer.layers.FrobeniusDense;
import io.otnn.trainer.layers.OrthogonalConv2D;
import io.otnn.trainer.layers.Param;
import io.otnn.trainer.layers.SpectralConv2D;
import java.nio.file.Path;
import java.util.List;
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

    @Test
    void shouldGiveNoProductWhenALayerIsNotBounded() {
        // columns (1, 0), (0, 1), (0.6, 0.8): norms 1, pairwise distances √2, √0.8, √0.4
        Param head = new Param(new long[] {2, 3}, new float[] {1, 0, 0.6f, 0, 1, 0.8f});
        LipschitzAudit.Row frobenius = LipschitzAudit.row(
                2, new FrobeniusDense(3), new long[] {2}, null, List.of(head, new Param(new long[] {3}, new float[3])));
        LipschitzAudit.Row strided = LipschitzAudit.row(
                0, new SpectralConv2D(4, 3, 2), new long[] {8, 8, 2}, new long[] {4, 4, 4}, List.of());
        LipschitzAudit.Row soc = LipschitzAudit.row(
                1, new OrthogonalConv2D(4, 3), new long[] {4, 4, 4}, new long[] {4, 4, 4}, List.of());

        assertThat(frobenius.bound()).isCloseTo(1.0, within(1e-6));
        assertThat(frobenius.pairwise()).isCloseTo(Math.sqrt(2) / 2, within(1e-6));
        assertThat(strided.bounded()).isFalse();
        assertThat(soc.bounded()).isFalse();
        LipschitzAudit.Audit audit = new LipschitzAudit.Audit(List.of(strided, soc, frobenius), 2.0);
        assertThat(audit.lipschitzBound()).isNaN();
        assertThat(audit.unbounded()).containsExactly(strided, soc);
        assertThat(audit.toMarkdown())
                .contains("no bound of L: not bounded [0 SpectralConv2D(4, 3x3, stride 2), 1 OrthogonalConv2D(4, 3x3)]")
                .doesNotContain("L ≤");
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
