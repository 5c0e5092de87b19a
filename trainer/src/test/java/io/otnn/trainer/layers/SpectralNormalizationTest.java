package io.otnn.trainer.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * {@link Normalizers#spectralNormalization} against a matrix of known spectrum (σ and W/σ) and against a plain-Java
 * power iteration that stops at ‖uₜ₊₁ − uₜ‖ &lt; eps, for the claim that the unrolled, masked graph equals it.
 */
class SpectralNormalizationTest {

    private static final double[] SPECTRUM = {3.0, 1.5, 1.0, 0.4};

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

    private float[][] run(double[][] w, float[] u0, float eps, int maxIter) {
        Normalizers.Spectral s = Normalizers.spectralNormalization(
                tf, tf.constant(TestMatrices.toFloat(w)), tf.constant(new float[][] {u0}), eps, maxIter);
        try (Result r = session.runner()
                .fetch(s.normalized())
                .fetch(s.u())
                .fetch(s.sigma())
                .run()) {
            return new float[][] {
                Param.of((TFloat32) r.get(0)).values(),
                Param.of((TFloat32) r.get(1)).values(),
                {((TFloat32) r.get(2)).getFloat()}
            };
        }
    }

    /** Plain Java: v = normalize(u Wᵀ), u' = normalize(v W) until ‖u' − u‖ &lt; eps (that step included); σ = v W uᵀ. */
    private static double[] javaPowerIteration(double[][] w, float[] u0, double eps, int maxIter, int[] steps) {
        int in = w.length;
        int out = w[0].length;
        double[] u = new double[out];
        for (int j = 0; j < out; j++) u[j] = u0[j];
        double[] v = new double[in];
        int t = 0;
        while (t < maxIter) {
            double[] vNew = new double[in];
            for (int i = 0; i < in; i++) for (int j = 0; j < out; j++) vNew[i] += u[j] * w[i][j];
            normalize(vNew);
            double[] uNew = new double[out];
            for (int j = 0; j < out; j++) for (int i = 0; i < in; i++) uNew[j] += vNew[i] * w[i][j];
            normalize(uNew);
            double step = 0;
            for (int j = 0; j < out; j++) step += Math.pow(uNew[j] - u[j], 2);
            u = uNew;
            v = vNew;
            t++;
            if (Math.sqrt(step) < eps) break;
        }
        steps[0] = t;
        double sigma = 0;
        for (int i = 0; i < in; i++) for (int j = 0; j < out; j++) sigma += v[i] * w[i][j] * u[j];
        double[] result = new double[out + 1];
        System.arraycopy(u, 0, result, 0, out);
        result[out] = sigma;
        return result;
    }

    private static void normalize(double[] x) {
        double n = 0;
        for (double v : x) n += v * v;
        n = Math.sqrt(n);
        for (int i = 0; i < x.length; i++) x[i] /= n;
    }

    @Test
    void shouldFindTheLargestSingularValueAndDivideByItWhenTheIterationConverges() {
        double[][] w = TestMatrices.withSpectrum(7, 5, SPECTRUM, 3);
        float[] u0 = {0.3f, -0.2f, 0.5f, 0.1f, 0.4f};
        float[][] r = run(w, u0, 0f, 200);
        assertThat((double) r[2][0]).isCloseTo(3.0, within(3e-5));
        double[][] expected = TestMatrices.withSpectrum(7, 5, SPECTRUM, 3, s -> s / 3.0);
        assertThat(TestMatrices.maxAbsDifference(expected, r[0])).isLessThan(1e-5);
        assertThat(MatrixNorms.spectralNorm(r[0], 7, 5)).isCloseTo(1.0, within(1e-4));
    }

    @Test
    void shouldEqualAPowerIterationThatStopsWhenTheStopRuleFiresBeforeTheMaximum() {
        double[][] w = TestMatrices.withSpectrum(7, 5, SPECTRUM, 4);
        float[] u0 = {0.3f, -0.2f, 0.5f, 0.1f, 0.4f};
        int[] steps = new int[1];
        double[] stopped = javaPowerIteration(w, u0, 0.01, 30, steps);
        assertThat(steps[0]).as("the stop rule fires early").isBetween(2, 20);
        float[][] masked = run(w, u0, 0.01f, 30);
        for (int j = 0; j < 5; j++) assertThat((double) masked[1][j]).isCloseTo(stopped[j], within(1e-5));
        assertThat((double) masked[2][0]).isCloseTo(stopped[5], within(1e-5));
        // the mask matters: all 30 steps give a different u
        double[] full = javaPowerIteration(w, u0, 0, 30, new int[1]);
        double diff = 0;
        for (int j = 0; j < 5; j++) diff = Math.max(diff, Math.abs(full[j] - masked[1][j]));
        assertThat(diff).isGreaterThan(1e-4);
    }
}
