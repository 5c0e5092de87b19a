package io.otnn.trainer.layers;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.trainer.diagnostics.LipschitzAudit;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The audit's bound of single layers against the largest singular value of the layer's explicit Jacobian, built by
 * TensorFlow's own gradients ({@link LayerHarness}) and decomposed by one-sided Jacobi SVD: a bound may not be below
 * it, and where the layer is built to be orthogonal it may not be far above it either.
 */
class LayerLipschitzAuditTest {

    @Test
    void shouldBoundAStridedConvolutionAtLeastByItsOperatorsLargestSingularValue() {
        try (LayerHarness h = new LayerHarness(new Conv2D(3, 3, 2), 7, 6, 2)) {
            LipschitzAudit.Row row = row(h);
            double sigma = sigmaMax(h);
            assertThat(row.bounded()).isTrue();
            assertThat(row.bound()).isGreaterThanOrEqualTo(sigma * (1 - 1e-6));
            // a strided convolution keeps a quarter of the outputs: the bound of the full one is not wildly above
            assertThat(row.bound()).isLessThan(4 * sigma);
        }
    }

    @Test
    void shouldBoundAStrideOneConvolutionTightly() {
        try (LayerHarness h = new LayerHarness(new Conv2D(3, 3, 1), 6, 6, 2)) {
            LipschitzAudit.Row row = row(h);
            double sigma = sigmaMax(h);
            assertThat(row.bound()).isGreaterThanOrEqualTo(sigma * (1 - 1e-6)).isLessThan(1.3 * sigma);
        }
    }

    @Test
    void shouldBoundAnOrthogonalConvolutionByOneWhenChannelsAreEqualPaddedOrTruncated() {
        for (long[] shape : new long[][] {{5, 4, 4, 4}, {4, 4, 2, 6}, {4, 4, 6, 3}}) {
            try (LayerHarness h =
                    new LayerHarness(new OrthogonalConv2D((int) shape[3], 3), shape[0], shape[1], shape[2])) {
                h.warmUp(3);
                LipschitzAudit.Row row = row(h);
                double sigma = sigmaMax(h);
                assertThat(row.bounded()).as(Arrays.toString(shape)).isTrue();
                assertThat(row.bound()).as(Arrays.toString(shape)).isGreaterThanOrEqualTo(sigma * (1 - 1e-6));
                // p_12(A)/c_12 with ‖A‖ ≤ ρ·slack: at most 1
                assertThat(row.bound()).as(Arrays.toString(shape)).isLessThanOrEqualTo(1 + 1e-9);
                assertThat(sigma).as(Arrays.toString(shape)).isGreaterThan(1 - 1e-3);
            }
        }
    }

    @Test
    void shouldBoundABatchNormalisationByItsLargestScale() {
        try (LayerHarness h = new LayerHarness(new BatchNormalization(), 2, 2, 3)) {
            h.warmUp(4);
            LipschitzAudit.Row row = row(h);
            assertThat(row.bound()).isCloseTo(sigmaMax(h), org.assertj.core.api.Assertions.within(1e-5));
        }
    }

    private static LipschitzAudit.Row row(LayerHarness h) {
        List<Param> params =
                h.layer.inferenceParameters().stream().map(h::fetch).toList();
        return LipschitzAudit.row(0, h.layer, h.inputShape, params, false);
    }

    /** σ_max of the explicit Jacobian (the layers here are linear or affine, so it is the operator's). */
    private static double sigmaMax(LayerHarness h) {
        float[] j = h.jacobian(h.randomPoint(5));
        int m = h.outputSize(), n = h.inputSize();
        double[][] a = new double[m][n];
        for (int r = 0; r < m; r++) for (int c = 0; c < n; c++) a[r][c] = j[r * n + c];
        if (m < n) a = TestMatrices.transpose(a);
        return Arrays.stream(TestMatrices.jacobiSvd(a).s()).max().orElseThrow();
    }
}
