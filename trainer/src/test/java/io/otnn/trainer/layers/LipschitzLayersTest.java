package io.otnn.trainer.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Each constrained layer's Lipschitz property, checked independently of its own code: the largest singular value of
 * the frozen kernel (plain-Java power iteration) or of the layer's explicit Jacobian (TF gradients, one row per
 * output, norm in plain Java) is ≤ 1 + 1e-3, and ≈ 1 where the construction makes it exact.
 */
class LipschitzLayersTest {

    private static final double TOLERANCE = 1e-3;

    @Test
    void shouldHaveAllSingularValuesNearOneWhenSpectralDenseIsNormalised() {
        try (LayerHarness h = new LayerHarness(new SpectralDense(16), 40)) {
            h.warmUp(3);
            Param k = h.fetch(h.layer.inferenceParameters().get(0));
            double smax = MatrixNorms.spectralNorm(k.values(), k.rows(), k.cols());
            double smin = MatrixNorms.smallestSingularValue(k.values(), k.rows(), k.cols());
            assertThat(smax).isLessThanOrEqualTo(1 + TOLERANCE).isCloseTo(1.0, within(TOLERANCE));
            // Björck (15 steps) brings every singular value to 1: the layer preserves gradient norms
            assertThat(smin).isGreaterThan(0.99);
            assertThat(h.jacobianNorm(h.randomPoint(1))).isLessThanOrEqualTo(1 + TOLERANCE);
        }
    }

    @Test
    void shouldStayOneLipschitzWhenSpectralDenseIsWide() {
        try (LayerHarness h = new LayerHarness(new SpectralDense(64), 20)) {
            h.warmUp(2);
            Param k = h.fetch(h.layer.inferenceParameters().get(0));
            assertThat(MatrixNorms.spectralNorm(k.values(), k.rows(), k.cols())).isCloseTo(1.0, within(TOLERANCE));
        }
    }

    @Test
    void shouldBoundTheOperatorNormWhenSpectralConvUsesSamePadding() {
        try (LayerHarness h = new LayerHarness(new SpectralConv2D(4, 3, 1), 6, 6, 2)) {
            h.warmUp(3);
            double norm = h.jacobianNorm(h.randomPoint(2));
            assertThat(norm).isLessThanOrEqualTo(1 + TOLERANCE).isGreaterThan(0.3);
            Param k = h.fetch(h.layer.inferenceParameters().get(0));
            double factor = ((SpectralConv2D) h.layer).factor();
            assertThat(MatrixNorms.spectralNorm(k.values(), k.rows(), k.cols()) / factor)
                    .isCloseTo(1.0, within(TOLERANCE));
        }
    }

    @Test
    void shouldMakeTheLargestSingularValueOneWhenSpectralConvDividesByItsOperatorNorm() {
        double bound;
        try (LayerHarness h = new LayerHarness(new SpectralConv2D(4, 3, 1), 6, 6, 2)) {
            h.warmUp(3);
            bound = h.jacobianNorm(h.randomPoint(2));
        }
        try (LayerHarness h = new LayerHarness(new SpectralConv2D(4, 3, 1, true), 6, 6, 2)) {
            h.warmUp(3);
            double norm = h.jacobianNorm(h.randomPoint(2));
            // the same raw kernel (same seed): the operator norm is 1 (within the power iteration's margin), the
            // deel-lip bound leaves it below
            assertThat(norm).isLessThanOrEqualTo(1 + TOLERANCE).isGreaterThan(1 - 1e-3);
            assertThat(bound).isLessThan(norm - 0.05);
        }
        try (LayerHarness h = new LayerHarness(new SpectralConv2D(6, 3, 2, true), 6, 6, 3)) {
            h.warmUp(3);
            assertThat(h.jacobianNorm(h.randomPoint(3)))
                    .isLessThanOrEqualTo(1 + TOLERANCE)
                    .isGreaterThan(1 - 1e-3);
        }
    }

    @Test
    void shouldBoundTheOperatorNormWhenSpectralConvHasStrideTwo() {
        try (LayerHarness h = new LayerHarness(new SpectralConv2D(6, 3, 2), 6, 6, 3)) {
            h.warmUp(3);
            assertThat(h.jacobianNorm(h.randomPoint(3)))
                    .isLessThanOrEqualTo(1 + TOLERANCE)
                    .isGreaterThan(0.3);
        }
    }

    @Test
    void shouldMatchDeelLipFactorWhenKernelIsThreeByThree() {
        // stride 1, 28x28: sqrt(28*28 / ((3*28 - 1*2)^2)) = 28/82
        assertThat(Normalizers.convLipschitzFactor(3, 3, 1, 1, 28, 28)).isCloseTo(28.0 / 82.0, within(1e-12));
        assertThat(Normalizers.convLipschitzFactor(3, 3, 2, 2, 28, 28)).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void shouldPreserveGradientNormWhenGroupSort2() {
        try (LayerHarness h = new LayerHarness(new GroupSort2(), 10)) {
            float[] p = h.randomPoint(4);
            assertThat(h.jacobianNorm(p)).isCloseTo(1.0, within(TOLERANCE));
            float[] y = h.infer(new float[] {3, 1, -2, 5, 0, 0, 7, -7, 1, 2});
            assertThat(y).containsExactly(1, 3, -2, 5, 0, 0, -7, 7, 1, 2);
        }
    }

    @Test
    void shouldBeOneLipschitzWhenGroupSort2OnFeatureMaps() {
        try (LayerHarness h = new LayerHarness(new GroupSort2(), 3, 3, 4)) {
            assertThat(h.jacobianNorm(h.randomPoint(5))).isCloseTo(1.0, within(TOLERANCE));
        }
    }

    @Test
    void shouldBeOneLipschitzWhenScaledL2NormPooling() {
        try (LayerHarness h = new LayerHarness(new ScaledL2NormPooling2D(2), 4, 4, 3)) {
            assertThat(h.jacobianNorm(h.randomPoint(6)))
                    .isLessThanOrEqualTo(1 + TOLERANCE)
                    .isCloseTo(1.0, within(TOLERANCE));
            float[] y = h.infer(new float[48]);
            assertThat(y[0]).isLessThan(0.01f);
        }
    }

    @Test
    void shouldBeOneLipschitzWhenScaledGlobalAveragePooling() {
        try (LayerHarness h = new LayerHarness(new ScaledGlobalAveragePooling2D(), 4, 5, 3)) {
            assertThat(h.jacobianNorm(h.randomPoint(7))).isCloseTo(1.0, within(TOLERANCE));
        }
    }

    @Test
    void shouldBeAnIsometryWhenInvertibleDownSampling() {
        try (LayerHarness h = new LayerHarness(new InvertibleDownSampling(2), 4, 4, 2)) {
            float[] j = h.jacobian(h.randomPoint(8));
            assertThat(MatrixNorms.spectralNorm(j, 32, 32)).isCloseTo(1.0, within(TOLERANCE));
            assertThat(MatrixNorms.smallestSingularValue(j, 32, 32)).isCloseTo(1.0, within(TOLERANCE));
        }
    }

    @Test
    void shouldGiveUnitNormOutputsWhenFrobeniusDense() {
        try (LayerHarness h = new LayerHarness(new FrobeniusDense(3), 12)) {
            h.warmUp(0);
            float[] j = h.jacobian(h.randomPoint(9));
            for (int i = 0; i < 3; i++) {
                double norm = 0;
                for (int c = 0; c < 12; c++) norm += j[i * 12 + c] * j[i * 12 + c];
                assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(TOLERANCE));
            }
        }
    }

    @Test
    void shouldBoundTheJacobianWhenUnconstrainedDenseEstimatesItsConstant() {
        try (LayerHarness h = new LayerHarness(new Dense(8), 12)) {
            Param k = h.fetch(h.layer.inferenceParameters().get(0));
            double bound = h.layer.lipschitzBound(java.util.List.of(k));
            assertThat(h.jacobianNorm(h.randomPoint(10))).isCloseTo(bound, within(1e-3 * bound));
            assertThat(bound).isGreaterThan(1.0);
        }
    }

    @Test
    void shouldBoundTheJacobianWhenUnconstrainedConvEstimatesItsConstant() {
        try (LayerHarness h = new LayerHarness(new Conv2D(4, 3, 1), 5, 5, 2)) {
            Param k = h.fetch(h.layer.inferenceParameters().get(0));
            double bound = h.layer.lipschitzBound(java.util.List.of(k));
            assertThat(h.jacobianNorm(h.randomPoint(11))).isLessThanOrEqualTo(bound * (1 + TOLERANCE));
        }
    }

    @Test
    void shouldUseMovingStatisticsWhenBatchNormalizationIsCondensed() {
        try (LayerHarness h = new LayerHarness(new BatchNormalization(), 4)) {
            h.warmUp(5);
            var params = h.layer.inferenceParameters().stream().map(h::fetch).toList();
            double bound = h.layer.lipschitzBound(params);
            assertThat(h.jacobianNorm(h.randomPoint(12))).isCloseTo(bound, within(1e-3 * bound));
        }
    }

    @Test
    void shouldBeOneLipschitzWhenReLU() {
        try (LayerHarness h = new LayerHarness(new ReLU(), 6)) {
            assertThat(h.jacobianNorm(new float[] {1, -1, 2, 3, -4, 5})).isCloseTo(1.0, within(TOLERANCE));
        }
    }

    @Test
    void shouldNameTheValidRangeWhenArgumentIsOutOfRange() {
        assertThatThrownBy(() -> new SpectralDense(0)).hasMessageContaining("units must be in [1.0");
        assertThatThrownBy(() -> new SpectralDense(4, 0.7f, 1e-3f, 15, 1e-3f, 10))
                .hasMessageContaining("betaBjorck must be in [0.0, 0.5]");
        assertThatThrownBy(() -> new LayerHarness(new GroupSort2(), 3)).hasMessageContaining("even number of channels");
    }
}
