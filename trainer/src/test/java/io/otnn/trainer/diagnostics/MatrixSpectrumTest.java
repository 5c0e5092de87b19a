package io.otnn.trainer.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.trainer.layers.TestMatrices;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Gram-iteration bound and the power iteration against matrices whose singular values are known by construction
 * (U·diag(s)·Vᵀ) and against the one-sided Jacobi SVD of the test helpers.
 */
class MatrixSpectrumTest {

    @Test
    void shouldBoundTheLargestSingularValueFromAboveWithin1e3WhenTheMatrixIsRandom() {
        Random random = new Random(7);
        for (int[] size : new int[][] {{60, 40}, {30, 50}}) {
            int rows = size[0], cols = size[1];
            double[][] a = new double[rows][cols];
            for (double[] row : a) for (int j = 0; j < cols; j++) row[j] = random.nextGaussian();
            double sigma = largestSingularValue(a);
            double[] m = flat(a);

            double bound = MatrixSpectrum.sigmaMaxBound(m, rows, cols);
            MatrixSpectrum.PowerIteration p = MatrixSpectrum.sigmaMaxPowerIteration(m, rows, cols, 100_000, 1e-14, 3);

            assertThat(bound).as("bound of %dx%d", rows, cols).isGreaterThanOrEqualTo(sigma);
            assertThat(bound).as("bound of %dx%d", rows, cols).isLessThanOrEqualTo(sigma + 1e-3);
            assertThat(p.sigma()).as("power iteration on %dx%d", rows, cols).isCloseTo(sigma, within(1e-6 * sigma));
        }
    }

    @Test
    void shouldStayAboveOneAndWithin1e5OfItWhenEverySingularValueIsOne() {
        // the worst case of the Gram bound: n equal singular values
        double[] s = new double[64];
        Arrays.fill(s, 1.0);
        double[][] q = TestMatrices.withSpectrum(100, 64, s, 11);

        double bound = MatrixSpectrum.sigmaMaxBound(flat(q), 100, 64);

        assertThat(bound).isGreaterThanOrEqualTo(1.0).isLessThanOrEqualTo(1 + 1e-5);
    }

    @Test
    void shouldFindTheKnownLargestSingularValueWhenTheSpectrumIsPrescribed() {
        double[] s = {3.0, 2.999, 1.5, 0.2, 0.0};
        double[][] a = TestMatrices.withSpectrum(8, 5, s, 5);
        double[] m = flat(a);

        assertThat(MatrixSpectrum.sigmaMaxBound(m, 8, 5)).isBetween(3.0, 3.0 + 1e-6);
        assertThat(MatrixSpectrum.sigmaMaxPowerIteration(m, 8, 5, 1_000_000, 1e-15, 1)
                        .sigma())
                .isCloseTo(3.0, within(1e-6));
        assertThat(MatrixSpectrum.sigmaMaxBound(new double[6], 2, 3)).isZero();
    }

    static double largestSingularValue(double[][] a) {
        double[][] tall = a.length >= a[0].length ? a : TestMatrices.transpose(a);
        return Arrays.stream(TestMatrices.jacobiSvd(tall).s()).max().orElseThrow();
    }

    static double[] flat(double[][] a) {
        double[] m = new double[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) System.arraycopy(a[i], 0, m, i * a[0].length, a[0].length);
        return m;
    }
}
