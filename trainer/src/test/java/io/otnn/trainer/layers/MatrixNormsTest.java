package io.otnn.trainer.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@link MatrixNorms}, the oracle of the Lipschitz tests, against closed forms: its largest and smallest singular
 * values of matrices whose spectrum is known by construction. Relative tolerance 1e-4 (the class's claim); the
 * matrices are stored in float32, which moves their singular values by ~1e-7.
 */
class MatrixNormsTest {

    private static final double RELATIVE = 1e-4;

    @Test
    void shouldGiveTheLargestAndSmallestAbsoluteEntryWhenTheMatrixIsDiagonal() {
        float[] a = {3f, 0, 0, 0, -5f, 0, 0, 0, 0.5f};
        assertThat(MatrixNorms.spectralNorm(a, 3, 3)).isCloseTo(5.0, within(5.0 * RELATIVE));
        assertThat(MatrixNorms.smallestSingularValue(a, 3, 3)).isCloseTo(0.5, within(0.5 * RELATIVE));
    }

    @Test
    void shouldGiveTheScaleWhenTheMatrixIsAScaledRotation() {
        double theta = 0.7;
        double scale = 2.5;
        float[] a = {
            (float) (scale * Math.cos(theta)),
            (float) (-scale * Math.sin(theta)),
            (float) (scale * Math.sin(theta)),
            (float) (scale * Math.cos(theta))
        };
        assertThat(MatrixNorms.spectralNorm(a, 2, 2)).isCloseTo(scale, within(scale * RELATIVE));
        assertThat(MatrixNorms.smallestSingularValue(a, 2, 2)).isCloseTo(scale, within(scale * RELATIVE));
    }

    @Test
    void shouldGiveTheProductOfTheNormsAndZeroWhenTheMatrixHasRankOne() {
        double[] u = {1, -2, 0.5, 3, 1.5};
        double[] v = {0.2, 0.4, -0.1};
        float[] a = new float[u.length * v.length];
        for (int i = 0; i < u.length; i++) {
            for (int j = 0; j < v.length; j++) a[i * v.length + j] = (float) (u[i] * v[j]);
        }
        double expected = Math.sqrt(Arrays.stream(u).map(x -> x * x).sum())
                * Math.sqrt(Arrays.stream(v).map(x -> x * x).sum());
        assertThat(MatrixNorms.spectralNorm(a, u.length, v.length)).isCloseTo(expected, within(expected * RELATIVE));
        assertThat(MatrixNorms.smallestSingularValue(a, u.length, v.length)).isLessThan(1e-3 * expected);
        // a wide matrix: the transpose has the same norm
        float[] t = new float[a.length];
        for (int i = 0; i < u.length; i++) {
            for (int j = 0; j < v.length; j++) t[j * u.length + i] = a[i * v.length + j];
        }
        assertThat(MatrixNorms.spectralNorm(t, v.length, u.length)).isCloseTo(expected, within(expected * RELATIVE));
    }

    @Test
    void shouldFindTheKnownSpectrumWhenTheMatrixIsRandomWithGivenSingularValues() {
        double[] s = {2.5, 2.0, 1.7, 1.2, 1.0, 0.8, 0.5, 0.3};
        for (long seed = 1; seed <= 3; seed++) {
            float[] tall = TestMatrices.flat(TestMatrices.withSpectrum(12, 8, s, seed));
            assertThat(MatrixNorms.spectralNorm(tall, 12, 8))
                    .as("seed %d", seed)
                    .isCloseTo(2.5, within(2.5 * RELATIVE));
            assertThat(MatrixNorms.smallestSingularValue(tall, 12, 8))
                    .as("seed %d", seed)
                    .isCloseTo(0.3, within(0.3 * RELATIVE));
            float[] wide = TestMatrices.flat(TestMatrices.withSpectrum(8, 20, s, seed));
            assertThat(MatrixNorms.spectralNorm(wide, 8, 20))
                    .as("seed %d", seed)
                    .isCloseTo(2.5, within(2.5 * RELATIVE));
        }
    }

    @Test
    void shouldConvergeWhenTheTopTwoSingularValuesAreClose() {
        // power iteration converges as (σ₂/σ₁)^(2t): 0.99^1000 ≈ 4e-5 leaves the norm within ~1e-5 relative
        double[] s = {1.0, 0.99, 0.5, 0.1};
        float[] a = TestMatrices.flat(TestMatrices.withSpectrum(64, 32, s, 9));
        assertThat(MatrixNorms.spectralNorm(a, 64, 32)).isCloseTo(1.0, within(RELATIVE));
    }

    @Test
    void shouldReturnZeroWhenTheMatrixIsZero() {
        assertThat(MatrixNorms.spectralNorm(new float[12], 4, 3)).isZero();
    }
}
