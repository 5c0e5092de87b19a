package io.otnn.trainer.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * {@link Normalizers#bjorck} against independent references: the orthogonal polar factor U·Vᵀ of a one-sided Jacobi
 * SVD ({@link TestMatrices#jacobiSvd}); one step's closed form on a matrix of known spectrum (the singular vectors
 * stay, every σ becomes σ(1 + β − βσ²)); and a plain-Java loop that stops at ‖Wₜ₊₁ − Wₜ‖_F &lt; eps, for the claim
 * that the unrolled, masked graph equals it (values and gradients).
 */
class BjorckTest {

    /** Singular values in (0, 1], as after spectral normalisation. */
    private static final double[] SPECTRUM = {1.0, 0.9, 0.75, 0.6, 0.45, 0.3};

    private Graph graph;
    private Ops tf;
    private Session session;

    @BeforeEach
    void open() {
        graph = new Graph();
        tf = Ops.create(graph);
        session = new Session(graph);
    }

    @AfterEach
    void close() {
        session.close();
        graph.close();
    }

    private float[] run(Operand<TFloat32> op) {
        try (Result r = session.runner().fetch(op).run()) {
            return Param.of((TFloat32) r.get(0)).values();
        }
    }

    private float[] bjorck(double[][] w, float beta, float eps, int maxIter) {
        return run(Normalizers.bjorck(
                tf, tf.constant(TestMatrices.toFloat(w)), w.length, w[0].length, beta, eps, maxIter));
    }

    @Test
    void shouldConvergeToThePolarFactorOfAnSvdWhenBjorckRunsWithTheDefaults() {
        for (long seed = 1; seed <= 3; seed++) {
            double[][] w = TestMatrices.withSpectrum(10, 6, SPECTRUM, seed);
            TestMatrices.Svd svd = TestMatrices.jacobiSvd(w);
            // the reference itself: it finds the spectrum the matrix was built with
            double[] s = svd.s().clone();
            java.util.Arrays.sort(s);
            for (int i = 0; i < s.length; i++)
                assertThat(s[i]).isCloseTo(SPECTRUM[SPECTRUM.length - 1 - i], within(1e-12));

            float[] b = bjorck(
                    w,
                    Normalizers.DEFAULT_BETA_BJORCK,
                    Normalizers.DEFAULT_EPS_BJORCK,
                    Normalizers.DEFAULT_MAXITER_BJORCK);
            assertThat(TestMatrices.maxAbsDifference(svd.polar(), b))
                    .as("seed %d", seed)
                    .isLessThan(1e-4);
            assertThat(MatrixNorms.smallestSingularValue(b, 10, 6)).isCloseTo(1.0, within(1e-4));
        }
    }

    @Test
    void shouldConvergeToThePolarFactorWhenTheMatrixIsWide() {
        // rows < cols uses the other Gram matrix, W Wᵀ; the polar factor of Wᵀ is the transpose of Wᵀ's
        double[][] w = TestMatrices.withSpectrum(6, 10, SPECTRUM, 4);
        double[][] polarOfTranspose =
                TestMatrices.jacobiSvd(TestMatrices.transpose(w)).polar();
        float[] b = bjorck(w, 0.5f, 1e-3f, 15);
        assertThat(TestMatrices.maxAbsDifference(TestMatrices.transpose(polarOfTranspose), b))
                .isLessThan(1e-4);
    }

    @Test
    void shouldMapEverySingularValueByTheBetaPolynomialWhenOneStepIsTaken() {
        for (float beta : new float[] {0f, 0.25f, 0.5f}) {
            double[][] w = TestMatrices.withSpectrum(10, 6, SPECTRUM, 5);
            double[][] expected = TestMatrices.withSpectrum(10, 6, SPECTRUM, 5, s -> s * (1 + beta - beta * s * s));
            float[] b = bjorck(w, beta, 0f, 1);
            assertThat(TestMatrices.maxAbsDifference(expected, b))
                    .as("β = %s", beta)
                    .isLessThan(1e-6);
        }
    }

    @Test
    void shouldStayBelowOneWithTheIteratedPolynomialWhenFewIterationsAreAllowed() {
        // the lever of -Dotnn.bjorck.iterations: k steps map each σ by the β-polynomial k times, never above 1
        for (int k : new int[] {2, 4}) {
            int steps = k;
            double[][] w = TestMatrices.withSpectrum(10, 6, SPECTRUM, 7);
            double[][] expected = TestMatrices.withSpectrum(10, 6, SPECTRUM, 7, s -> {
                double v = s;
                for (int i = 0; i < steps; i++) v = v * (1.5 - 0.5 * v * v);
                return v;
            });
            float[] b = bjorck(w, 0.5f, 0f, k);
            assertThat(TestMatrices.maxAbsDifference(expected, b))
                    .as("%d steps", k)
                    .isLessThan(1e-6);
            assertThat(MatrixNorms.spectralNorm(b, 10, 6)).isLessThanOrEqualTo(1.0 + 1e-6);
            assertThat(MatrixNorms.smallestSingularValue(b, 10, 6)).isLessThan(1.0 - 1e-3);
        }
    }

    @Test
    void shouldReadTheIterationBoundsFromTheJvmPropertiesWhenTheyAreSet() {
        try {
            assertThat(Normalizers.bjorckIterations()).isEqualTo(Normalizers.DEFAULT_MAXITER_BJORCK);
            System.setProperty("otnn.bjorck.iterations", "4");
            System.setProperty("otnn.spectral.iterations", "2");
            assertThat(Normalizers.bjorckIterations()).isEqualTo(4);
            assertThat(Normalizers.spectralIterations()).isEqualTo(2);
            System.setProperty("otnn.bjorck.iterations", "four");
            org.assertj.core.api.Assertions.assertThatThrownBy(Normalizers::bjorckIterations)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("otnn.bjorck.iterations must be an integer");
            System.setProperty("otnn.spectral.iterations", "0");
            org.assertj.core.api.Assertions.assertThatThrownBy(Normalizers::spectralIterations)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("otnn.spectral.iterations must be in");
        } finally {
            System.clearProperty("otnn.bjorck.iterations");
            System.clearProperty("otnn.spectral.iterations");
        }
    }

    @Test
    void shouldReturnTheInputWhenNoIterationIsAllowed() {
        double[][] w = TestMatrices.withSpectrum(5, 4, new double[] {0.9, 0.5, 0.2, 0.1}, 6);
        assertThat(TestMatrices.maxAbsDifference(w, bjorck(w, 0.5f, 1e-3f, 0))).isLessThan(1e-7);
    }

    /** Plain Java: steps until the step's Frobenius norm is below eps (that step included) or maxIter steps. */
    private static double[][] stoppingLoop(double[][] w, double beta, double eps, int maxIter, int[] stepsTaken) {
        int m = w.length;
        int n = w[0].length;
        double[][] current = w;
        int t = 0;
        while (t < maxIter) {
            double[][] gram = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    for (int r = 0; r < m; r++) gram[i][j] += current[r][i] * current[r][j];
                }
            }
            double[][] next = new double[m][n];
            double step = 0;
            for (int r = 0; r < m; r++) {
                for (int j = 0; j < n; j++) {
                    double cubic = 0;
                    for (int i = 0; i < n; i++) cubic += current[r][i] * gram[i][j];
                    next[r][j] = (1 + beta) * current[r][j] - beta * cubic;
                    step += Math.pow(next[r][j] - current[r][j], 2);
                }
            }
            current = next;
            t++;
            if (Math.sqrt(step) < eps) break;
        }
        stepsTaken[0] = t;
        return current;
    }

    @Test
    void shouldEqualALoopThatStopsWhenTheStopRuleFiresBeforeTheMaximum() {
        double[][] w = TestMatrices.withSpectrum(10, 6, SPECTRUM, 7);
        float eps = 0.05f;
        int[] steps = new int[1];
        double[][] stopped = stoppingLoop(w, 0.5, eps, 15, steps);
        assertThat(steps[0]).as("the stop rule fires early").isBetween(2, 10);
        float[] masked = bjorck(w, 0.5f, eps, 15);
        assertThat(TestMatrices.maxAbsDifference(stopped, masked)).isLessThan(1e-6);
        // the mask matters: all 15 steps give a visibly different (more orthogonal) matrix
        double[][] full = stoppingLoop(w, 0.5, 0, 15, new int[1]);
        assertThat(TestMatrices.maxAbsDifference(full, masked)).isGreaterThan(1e-3);
        // and with the default eps the loop stops before its maximum too
        stoppingLoop(w, 0.5, Normalizers.DEFAULT_EPS_BJORCK, 15, steps);
        assertThat(steps[0]).isLessThan(15);
        assertThat(TestMatrices.maxAbsDifference(
                        stoppingLoop(w, 0.5, 1e-3, 15, new int[1]), bjorck(w, 0.5f, 1e-3f, 15)))
                .isLessThan(1e-5);
    }

    @Test
    void shouldHaveTheGradientOfTheStoppedLoopWhenStepsAfterTheStopAreMasked() {
        double[][] w0 = TestMatrices.withSpectrum(10, 6, SPECTRUM, 8);
        int[] steps = new int[1];
        stoppingLoop(w0, 0.5, 0.05, 15, steps);
        Placeholder<TFloat32> w = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(10, 6)));
        float[][] weights = new float[10][6];
        java.util.Random random = new java.util.Random(11);
        for (float[] row : weights) for (int j = 0; j < row.length; j++) row[j] = (float) random.nextGaussian();
        Operand<TFloat32> c = tf.constant(weights);
        Operand<TFloat32> masked = tf.reduceSum(
                tf.math.mul(Normalizers.bjorck(tf, w, 10, 6, 0.5f, 0.05f, 15), c), tf.constant(new int[] {0, 1}));
        Operand<TFloat32> unrolled = tf.reduceSum(
                tf.math.mul(Normalizers.bjorck(tf, w, 10, 6, 0.5f, 0f, steps[0]), c), tf.constant(new int[] {0, 1}));
        Output<?> gMasked = graph.addGradients(masked.asOutput(), new Output<?>[] {w.asOutput()})[0];
        Output<?> gUnrolled = graph.addGradients(unrolled.asOutput(), new Output<?>[] {w.asOutput()})[0];
        try (TFloat32 in = new Param(new long[] {10, 6}, TestMatrices.flat(w0)).toTensor();
                Result r = session.runner()
                        .feed(w, in)
                        .fetch(gMasked)
                        .fetch(gUnrolled)
                        .run()) {
            float[] a = Param.of((TFloat32) r.get(0)).values();
            float[] b = Param.of((TFloat32) r.get(1)).values();
            double max = 0, norm = 0;
            for (int i = 0; i < a.length; i++) {
                max = Math.max(max, Math.abs(a[i] - b[i]));
                norm = Math.max(norm, Math.abs(b[i]));
            }
            assertThat(norm).isGreaterThan(0.01);
            assertThat(max).isLessThan(1e-5 * Math.max(1, norm));
        }
    }
}
