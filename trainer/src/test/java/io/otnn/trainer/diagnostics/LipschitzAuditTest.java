package io.otnn.trainer.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.trainer.Fixtures;
import io.otnn.trainer.Trainer;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.TrainingResult;
import io.otnn.trainer.layers.FrobeniusDense;
import io.otnn.trainer.layers.Param;
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
        // the export recorded the same bound, and certified with it
        assertThat(r.metadata().lipschitzConstant()).isEqualTo(audit.lipschitzBound());
        assertThat(r.metadata().certificateFactor()).isEqualTo(Math.sqrt(2));
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
        // the export recorded the bound and the head's pairwise factor: c·L bounds every margin, c ≤ 2
        assertThat(r.metadata().lipschitzConstant()).isEqualTo(audit.lipschitzBound());
        assertThat(r.metadata().certificateFactor() * r.metadata().lipschitzConstant())
                .isCloseTo(2 * audit.pairwiseLipschitzBound(), within(1e-12));
        assertThat(r.metadata().certificateFactor()).isLessThanOrEqualTo(2.0);
        assertThat(r.metadata().architecture().get("lipschitz").get("sound").asBoolean())
                .isTrue();
        assertThat(r.evaluation().maxMarginGradient())
                .isLessThanOrEqualTo(
                        r.metadata().certificateFactor() * r.metadata().lipschitzConstant());
    }

    @Test
    void shouldGiveNoProductWhenALayerIsNotBounded() {
        // columns (1, 0), (0, 1), (0.6, 0.8): norms 1, pairwise distances √2, √0.8, √0.4
        Param head = new Param(new long[] {2, 3}, new float[] {1, 0, 0.6f, 0, 1, 0.8f});
        LipschitzAudit.Row frobenius = LipschitzAudit.row(
                2, new FrobeniusDense(3), new long[] {2}, List.of(head, new Param(new long[] {3}, new float[3])), true);
        LipschitzAudit.Row unknown = LipschitzAudit.row(0, new UnknownLayer(), new long[] {4}, List.of(), true);

        assertThat(frobenius.bound()).isCloseTo(1.0, within(1e-6));
        assertThat(frobenius.pairwise()).isCloseTo(Math.sqrt(2) / 2, within(1e-6));
        assertThat(unknown.bounded()).isFalse();
        LipschitzAudit.Audit audit = new LipschitzAudit.Audit(List.of(unknown, frobenius), 2.0);
        assertThat(audit.lipschitzBound()).isNaN();
        assertThat(audit.unbounded()).containsExactly(unknown);
        assertThat(audit.toMarkdown())
                .contains("no bound of L: not bounded [0 Unknown]")
                .doesNotContain("L ≤");
    }

    @Test
    void shouldRecordThePairwiseHeadFactorInTheCertificateFactorSoThatCTimesLBoundsEveryMargin() {
        Param head = new Param(new long[] {2, 3}, new float[] {1, 0, 0.6f, 0, 1, 0.8f});
        LipschitzAudit.Row frobenius = LipschitzAudit.row(
                1, new FrobeniusDense(3), new long[] {2}, List.of(head, new Param(new long[] {3}, new float[3])), true);
        LipschitzAudit.Row body = new LipschitzAudit.Row(0, "body", new long[] {2}, 1.2, 1.25, "given");
        LipschitzAudit.Audit audit = new LipschitzAudit.Audit(List.of(body, frobenius), 2.0);

        // every logit: 1.25 · max ‖w_k‖ = 1.25; every margin: 1.25 · max ‖w_k − w_j‖ = 1.25 · √2
        assertThat(audit.lipschitzBound()).isCloseTo(1.25, within(1e-6));
        assertThat(audit.marginCertificateFactor() * audit.lipschitzBound())
                .isCloseTo(1.25 * Math.sqrt(2), within(1e-6));
        assertThat(audit.marginCertificateFactor()).isLessThan(2.0);
    }

    /** A layer the audit does not know. */
    private static final class UnknownLayer implements io.otnn.trainer.layers.Layer {
        @Override
        public long[] build(org.tensorflow.op.Ops tf, long[] inputShape, java.util.Random random) {
            return inputShape;
        }

        @Override
        public org.tensorflow.Operand<org.tensorflow.types.TFloat32> infer(
                org.tensorflow.op.Ops tf,
                org.tensorflow.Operand<org.tensorflow.types.TFloat32> x,
                List<org.tensorflow.Operand<org.tensorflow.types.TFloat32>> params) {
            return x;
        }

        @Override
        public boolean constrained() {
            return true;
        }

        @Override
        public String describe() {
            return "Unknown";
        }
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
