package io.otnn.trainer.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The skew-orthogonal convolution against independent computations: inner products of its outputs (TF) against those
 * of its inputs, the adjoint kernel against the definition of the adjoint, back-propagated gradients (TF gradients)
 * against their cotangents, and the output against exp(A)·x with A the convolution's dense matrix built in plain Java
 * and exponentiated by scaling and squaring in double.
 */
class OrthogonalConv2DTest {

    @Test
    void shouldPreserveNormsAndInnerProductsWhenChannelsAreEqual() {
        try (LayerHarness h = new LayerHarness(new OrthogonalConv2D(4, 3), 6, 5, 4)) {
            h.warmUp(2);
            float[] x1 = h.randomPoint(1);
            float[] x2 = h.randomPoint(2);
            float[] y1 = h.infer(x1);
            float[] y2 = h.infer(x2);
            assertThat(norm(y1)).isCloseTo(norm(x1), within(1e-4 * norm(x1)));
            assertThat(norm(y2)).isCloseTo(norm(x2), within(1e-4 * norm(x2)));
            assertThat(dot(y1, y2)).isCloseTo(dot(x1, x2), within(1e-4 * norm(x1) * norm(x2)));
            // not the identity: the operator moves its input
            assertThat(norm(minus(y1, x1))).isGreaterThan(0.1 * norm(x1));
            // every singular value of the explicit Jacobian is 1
            float[] j = h.jacobian(x1);
            int n = h.inputSize();
            assertThat(MatrixNorms.spectralNorm(j, n, n)).isCloseTo(1.0, within(1e-4));
            assertThat(MatrixNorms.smallestSingularValue(j, n, n)).isCloseTo(1.0, within(1e-3));
        }
    }

    @Test
    void shouldBeTheAdjointWhenKernelIsFlippedAndChannelsSwapped() {
        for (int k : new int[] {1, 3, 5}) {
            Random random = new Random(k);
            long[] kshape = {k, k, 2, 3};
            float[] kernel = gaussian(random, k * k * 6);
            float[] x = gaussian(random, 7 * 6 * 2);
            float[] z = gaussian(random, 7 * 6 * 3);
            try (Graph g = new Graph();
                    Session s = new Session(g)) {
                Ops tf = Ops.create(g);
                Operand<TFloat32> kt = constant(tf, kshape, kernel);
                Operand<TFloat32> xt = constant(tf, new long[] {1, 7, 6, 2}, x);
                Operand<TFloat32> zt = constant(tf, new long[] {1, 7, 6, 3}, z);
                Operand<TFloat32> kx = tf.nn.conv2d(xt, kt, java.util.List.of(1L, 1L, 1L, 1L), "SAME");
                Operand<TFloat32> adjointZ = tf.nn.conv2d(
                        zt, OrthogonalConv2D.adjointKernel(tf, kt), java.util.List.of(1L, 1L, 1L, 1L), "SAME");
                float[] left = fetch(s, kx);
                float[] right = fetch(s, adjointZ);
                double scale = norm(x) * norm(z);
                assertThat(dot(left, z)).as("k = " + k).isCloseTo(dot(x, right), within(1e-5 * scale));
                // and the plain-Java convolution agrees with TF's (the dense matrix below relies on it)
                double[][] a = convMatrix(kernel, k, 2, 3, 7, 6);
                assertThat(maxAbs(minus(left, apply(a, x)))).as("k = " + k).isLessThan(1e-4);
            }
        }
    }

    @Test
    void shouldPreserveTheGradientNormWhenBackPropagated() {
        try (LayerHarness h = new LayerHarness(new OrthogonalConv2D(6, 3), 5, 5, 6)) {
            h.warmUp(1);
            for (int seed = 0; seed < 3; seed++) {
                float[] g = gaussian(new Random(100 + seed), h.outputSize());
                assertThat(norm(backward(h, h.randomPoint(seed), g))).isCloseTo(norm(g), within(1e-4 * norm(g)));
            }
        }
    }

    @Test
    void shouldPreserveTheGradientNormWhenChannelsAreTruncated() {
        try (LayerHarness h = new LayerHarness(new OrthogonalConv2D(4, 3), 4, 4, 8)) {
            h.warmUp(1);
            assertThat(h.outputShape).containsExactly(4, 4, 4);
            for (int seed = 0; seed < 3; seed++) {
                float[] g = gaussian(new Random(200 + seed), h.outputSize());
                assertThat(norm(backward(h, h.randomPoint(seed), g))).isCloseTo(norm(g), within(1e-4 * norm(g)));
            }
            // the forward map keeps only half of the channels: it shrinks a generic input
            float[] x = h.randomPoint(9);
            assertThat(norm(h.infer(x))).isLessThan(0.9 * norm(x));
        }
    }

    @Test
    void shouldStayAnIsometryButLoseGradientNormWhenChannelsArePadded() {
        try (LayerHarness h = new LayerHarness(new OrthogonalConv2D(8, 3), 4, 4, 2)) {
            h.warmUp(1);
            float[] x = h.randomPoint(3);
            assertThat(norm(h.infer(x))).isCloseTo(norm(x), within(1e-4 * norm(x)));
            float[] g = gaussian(new Random(300), h.outputSize());
            // Jᵀ keeps 2 of the 8 channels of Qᵀg: about half of the norm for a generic g
            assertThat(norm(backward(h, x, g))).isLessThan(0.8 * norm(g));
        }
    }

    @Test
    void shouldMatchTheMatrixExponentialWhenTheImageIsTiny() {
        int k = 3, c = 2, height = 3, width = 3;
        try (LayerHarness h = new LayerHarness(new OrthogonalConv2D(c, k), height, width, c)) {
            h.warmUp(2);
            Param s = h.fetch(h.layer.inferenceParameters().get(0));
            double[][] a = convMatrix(s.values(), k, c, c, height, width);
            int n = a.length;
            double asym = 0;
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) asym = Math.max(asym, Math.abs(a[i][j] + a[j][i]));
            assertThat(asym).as("conv(·, S) is skew-symmetric").isLessThan(1e-6);
            float[] af = new float[n * n];
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) af[i * n + j] = (float) a[i][j];
            double opNorm = MatrixNorms.spectralNorm(af, n, n);
            assertThat(opNorm)
                    .as("the bound k·‖S_r‖ caps the operator norm at ρ")
                    .isBetween(0.05, 1.0);

            double[][] exp = expm(a);
            float[] x = h.randomPoint(5);
            float[] y = h.infer(x);
            assertThat(maxAbs(minus(y, apply(exp, x)))).isLessThan(2e-5);

            // the training pass's 6 terms: p_6(A)/c_6 in double, within the truncation error of exp(A)
            double[][] p6 = taylor(a, OrthogonalConv2D.TRAIN_TERMS);
            double c6 = OrthogonalConv2D.taylorNormBound(
                    OrthogonalConv2D.TRAIN_TERMS, OrthogonalConv2D.RHO * OrthogonalConv2D.RHO_SLACK);
            float[] expected6 = apply(p6, x);
            for (int i = 0; i < expected6.length; i++) expected6[i] /= (float) c6;
            float[] y6 = fetchTrain(h, x);
            assertThat(maxAbs(minus(y6, expected6))).isLessThan(2e-5);
            double truncation = norm(minus(apply(p6, x), apply(exp, x)));
            assertThat(truncation).isLessThan(Math.pow(opNorm, 7) / 5040 * Math.E * norm(x));
        }
    }

    @Test
    void shouldBoundTheTaylorPolynomialOnTheImaginaryAxis() {
        for (int terms : new int[] {4, 6, 12}) {
            for (double rho : new double[] {0.5, 1.0, 1.1, 2.0}) {
                double max = 1;
                for (int i = 0; i <= 20_000; i++) max = Math.max(max, taylorModulus(terms, rho * i / 20_000.0));
                double bound = OrthogonalConv2D.taylorNormBound(terms, rho);
                assertThat(bound).as("T = %d, ρ = %s", terms, rho).isGreaterThanOrEqualTo(max);
            }
        }
        // not loose where the layer uses it (T = 6, ρ = 1.1: 1.000375 against a maximum of 1.000315)
        double max = 1;
        for (int i = 0; i <= 20_000; i++) max = Math.max(max, taylorModulus(6, 1.1 * i / 20_000.0));
        assertThat(OrthogonalConv2D.taylorNormBound(6, 1.1) - 1).isLessThan(1.5 * (max - 1));
        assertThat(OrthogonalConv2D.taylorNormBound(6, 1.0)).isGreaterThan(1.0001);
        assertThat(OrthogonalConv2D.taylorNormBound(12, 1.1)).isLessThan(1 + 1e-9);
    }

    @Test
    void shouldRefuseAnEvenKernel() {
        assertThatThrownBy(() -> new OrthogonalConv2D(4, 2)).hasMessageContaining("odd kernel size");
    }

    /** Jᵀg of the inference form at x, by TF's gradients. */
    private static float[] backward(LayerHarness h, float[] x, float[] g) {
        long[] outFull = new long[h.outputShape.length + 1];
        outFull[0] = 1;
        System.arraycopy(h.outputShape, 0, outFull, 1, h.outputShape.length);
        try (TFloat32 in = h.tensor(x, 1);
                TFloat32 c = new Param(outFull, g).toTensor();
                Result r = h.session
                        .runner()
                        .feed(h.x, in)
                        .feed(h.cotangent, c)
                        .fetch(h.jacobianRow)
                        .run()) {
            return Param.of((TFloat32) r.get(0)).values();
        }
    }

    private static float[] fetchTrain(LayerHarness h, float[] x) {
        try (TFloat32 in = h.tensor(x, 1);
                Result r = h.session.runner().feed(h.x, in).fetch(h.trainOut).run()) {
            return Param.of((TFloat32) r.get(0)).values();
        }
    }

    /**
     * The dense matrix of TF's conv2d (cross-correlation, {@code same} zero padding, stride 1) on an h×w image, rows
     * and columns in NHWC order: y[p, b] = Σ_{i, j, a} x[p + (i − k/2, j − k/2), a] · K[i, j, a, b].
     */
    static double[][] convMatrix(float[] kernel, int k, int cin, int cout, int h, int w) {
        double[][] m = new double[h * w * cout][h * w * cin];
        int half = k / 2;
        for (int r = 0; r < h; r++)
            for (int s = 0; s < w; s++)
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < k; j++) {
                        int rr = r + i - half, ss = s + j - half;
                        if (rr < 0 || rr >= h || ss < 0 || ss >= w) continue;
                        for (int a = 0; a < cin; a++)
                            for (int b = 0; b < cout; b++) {
                                m[(r * w + s) * cout + b][(rr * w + ss) * cin + a] +=
                                        kernel[((i * k + j) * cin + a) * cout + b];
                            }
                    }
        return m;
    }

    /** exp(A) by scaling and squaring: a 20-term Taylor series of A/2^s (‖A/2^s‖ ≤ 1/2), squared s times. */
    static double[][] expm(double[][] a) {
        double norm = 0;
        for (double[] row : a) {
            double sum = 0;
            for (double v : row) sum += Math.abs(v);
            norm = Math.max(norm, sum);
        }
        int squarings = Math.max(0, (int) Math.ceil(Math.log(norm / 0.5) / Math.log(2)));
        double[][] scaled = scale(a, Math.pow(2, -squarings));
        double[][] e = taylor(scaled, 20);
        for (int i = 0; i < squarings; i++) e = multiply(e, e);
        return e;
    }

    static double[][] taylor(double[][] a, int terms) {
        int n = a.length;
        double[][] sum = identity(n);
        double[][] term = identity(n);
        for (int i = 1; i <= terms; i++) {
            term = scale(multiply(term, a), 1.0 / i);
            for (int r = 0; r < n; r++) for (int c = 0; c < n; c++) sum[r][c] += term[r][c];
        }
        return sum;
    }

    /** |p_T(iλ)|, p_T the degree-T Taylor polynomial of exp, summed as a complex number. */
    static double taylorModulus(int terms, double lambda) {
        double re = 0, im = 0, term = 1;
        for (int m = 0; m <= terms; m++) {
            if (m > 0) term *= lambda / m;
            switch (m % 4) {
                case 0 -> re += term;
                case 1 -> im += term;
                case 2 -> re -= term;
                default -> im -= term;
            }
        }
        return Math.hypot(re, im);
    }

    static double[][] identity(int n) {
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) m[i][i] = 1;
        return m;
    }

    static double[][] scale(double[][] a, double f) {
        double[][] m = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) m[i][j] = a[i][j] * f;
        return m;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length, p = b.length, q = b[0].length;
        double[][] m = new double[n][q];
        for (int i = 0; i < n; i++)
            for (int l = 0; l < p; l++) {
                double v = a[i][l];
                if (v == 0) continue;
                for (int j = 0; j < q; j++) m[i][j] += v * b[l][j];
            }
        return m;
    }

    static float[] apply(double[][] a, float[] x) {
        float[] y = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            double s = 0;
            for (int j = 0; j < x.length; j++) s += a[i][j] * x[j];
            y[i] = (float) s;
        }
        return y;
    }

    static Operand<TFloat32> constant(Ops tf, long[] shape, float[] values) {
        return tf.constant(
                org.tensorflow.ndarray.Shape.of(shape),
                org.tensorflow.ndarray.buffer.DataBuffers.of(values, true, false));
    }

    static float[] fetch(Session s, Operand<TFloat32> op) {
        try (Result r = s.runner().fetch(op).run()) {
            return Param.of((TFloat32) r.get(0)).values();
        }
    }

    static float[] gaussian(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) random.nextGaussian();
        return v;
    }

    static double norm(float[] v) {
        return Math.sqrt(dot(v, v));
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    static float[] minus(float[] a, float[] b) {
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i] - b[i];
        return d;
    }

    static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) m = Math.max(m, Math.abs(x));
        return m;
    }
}
