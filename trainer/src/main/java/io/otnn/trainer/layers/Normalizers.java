package io.otnn.trainer.layers;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The constraint math of the 1-Lipschitz layers, as pure functions that build graph operations (deel-lip's
 * {@code normalizers.py}). Weights are matrices {@code W} of shape {@code [in, out]} (a convolution kernel
 * {@code [kh, kw, cin, cout]} is reshaped to {@code [kh·kw·cin, cout]}), applied as {@code x·W}.
 *
 * <p>Iterations with a stopping criterion are unrolled to their maximum count, and every step after convergence is
 * masked out ({@code W_{t+1} = W_t + c_t (step(W_t) - W_t)} with {@code c_t} ∈ {0, 1} held constant for the
 * gradient): the result is the one of a loop that stops at the criterion, while the graph stays differentiable by
 * TensorFlow's C gradient builder, which cannot differentiate {@code While} loops.
 */
public final class Normalizers {

    /** Björck's β (paper A.2.2, deel-lip {@code DEFAULT_BETA_BJORCK}). */
    public static final float DEFAULT_BETA_BJORCK = 0.5f;
    /** Björck stops when ‖Wₜ − Wₜ₋₁‖_F < eps (deel-lip {@code DEFAULT_EPS_BJORCK}). */
    public static final float DEFAULT_EPS_BJORCK = 1e-3f;
    /** At most this many Björck iterations (deel-lip {@code DEFAULT_MAXITER_BJORCK}). */
    public static final int DEFAULT_MAXITER_BJORCK = 15;
    /** Power iteration stops when ‖uₜ − uₜ₋₁‖ < eps (deel-lip {@code DEFAULT_EPS_SPECTRAL}). */
    public static final float DEFAULT_EPS_SPECTRAL = 1e-3f;
    /** At most this many power iterations per training step; u is kept between steps, so few are needed. */
    public static final int DEFAULT_MAXITER_SPECTRAL = 10;

    private Normalizers() {}

    /**
     * Björck iterations of the spectral layers built from now on: {@code -Dotnn.bjorck.iterations} (JVM property of
     * {@code otnn train}), default {@link #DEFAULT_MAXITER_BJORCK}. The training graph cannot hold a {@code While}
     * loop (TensorFlow's C gradient builder cannot differentiate one), so the stop rule masks the later iterations
     * instead of skipping them and every iteration is paid for: this bound is the lever on the step's cost. Fewer
     * iterations leave the singular values further below 1 (β = 0.5 never overshoots), so the layer stays
     * 1-Lipschitz and only preserves less gradient norm.
     */
    public static int bjorckIterations() {
        return property("otnn.bjorck.iterations", DEFAULT_MAXITER_BJORCK, 0);
    }

    /** Power iterations per step of the spectral layers built from now on: {@code -Dotnn.spectral.iterations}. */
    public static int spectralIterations() {
        return property("otnn.spectral.iterations", DEFAULT_MAXITER_SPECTRAL, 1);
    }

    private static int property(String key, int fallback, int min) {
        String value = System.getProperty(key);
        if (value == null) return fallback;
        try {
            int n = Integer.parseInt(value.trim());
            checkRange(key, n, min, 1000);
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + value + "'", e);
        }
    }

    /** The result of {@link #spectralNormalization}: the normalised matrix, the new singular vector and σ. */
    public record Spectral(Operand<TFloat32> normalized, Operand<TFloat32> u, Operand<TFloat32> sigma) {}

    /**
     * Spectral normalisation (Miyato et al. 2018): W / σ(W), with σ estimated by power iteration started from the
     * persistent left singular vector estimate {@code u} ({@code [1, out]}). u and σ carry no gradient.
     */
    public static Spectral spectralNormalization(
            Ops tf, Operand<TFloat32> w, Operand<TFloat32> u, float eps, int maxIter) {
        checkRange("maxIter", maxIter, 1, 1000);
        Operand<TFloat32> wt = tf.stopGradient(w);
        Operand<TFloat32> current = tf.stopGradient(u);
        Operand<TFloat32> active = tf.constant(1f);
        Operand<TFloat32> v = null;
        for (int i = 0; i < maxIter; i++) {
            // v = normalize(u Wᵀ) [1, in]; u' = normalize(v W) [1, out]
            Operand<TFloat32> vNew =
                    l2Normalize(tf, tf.linalg.matMul(current, wt, org.tensorflow.op.linalg.MatMul.transposeB(true)));
            Operand<TFloat32> uNew = l2Normalize(tf, tf.linalg.matMul(vNew, wt));
            Operand<TFloat32> step = tf.math.sub(uNew, current);
            Operand<TFloat32> next = tf.math.add(current, tf.math.mul(active, step));
            v = v == null ? vNew : tf.math.add(v, tf.math.mul(active, tf.math.sub(vNew, v)));
            active = tf.math.mul(
                    active,
                    tf.dtypes.cast(tf.math.greaterEqual(frobenius(tf, step), tf.constant(eps)), TFloat32.class));
            current = next;
        }
        current = tf.stopGradient(current);
        v = tf.stopGradient(v);
        // σ = v W uᵀ, differentiable in W (as in deel-lip, the gradient flows through σ)
        Operand<TFloat32> sigma = tf.reshape(
                tf.linalg.matMul(tf.linalg.matMul(v, w), current, org.tensorflow.op.linalg.MatMul.transposeB(true)),
                tf.constant(new int[0]));
        return new Spectral(tf.math.div(w, sigma), current, tf.stopGradient(sigma));
    }

    /**
     * Björck orthogonalisation (Björck &amp; Bowie 1971): Wₜ₊₁ = (1 + β) Wₜ − β Wₜ (Wₜᵀ Wₜ), using the smaller Gram
     * matrix, until ‖Wₜ₊₁ − Wₜ‖_F < eps or {@code maxIter} steps. Converges to the nearest orthogonal matrix when
     * ‖W‖₂ ≤ 1 (spectral normalisation first); every singular value then lies in (0, 1].
     */
    public static Operand<TFloat32> bjorck(
            Ops tf, Operand<TFloat32> w, long rows, long cols, float beta, float eps, int maxIter) {
        checkRange("beta", beta, 0.0, 0.5);
        checkRange("maxIter", maxIter, 0, 1000);
        Operand<TFloat32> current = w;
        Operand<TFloat32> active = tf.constant(1f);
        Operand<TFloat32> onePlusBeta = tf.constant(1f + beta);
        Operand<TFloat32> betaOp = tf.constant(beta);
        for (int i = 0; i < maxIter; i++) {
            Operand<TFloat32> cubic;
            if (rows >= cols) {
                Operand<TFloat32> gram =
                        tf.linalg.matMul(current, current, org.tensorflow.op.linalg.MatMul.transposeA(true));
                cubic = tf.linalg.matMul(current, gram);
            } else {
                Operand<TFloat32> gram =
                        tf.linalg.matMul(current, current, org.tensorflow.op.linalg.MatMul.transposeB(true));
                cubic = tf.linalg.matMul(gram, current);
            }
            Operand<TFloat32> next = tf.math.sub(tf.math.mul(onePlusBeta, current), tf.math.mul(betaOp, cubic));
            Operand<TFloat32> step = tf.math.sub(next, current);
            Operand<TFloat32> stop = tf.stopGradient(active);
            current = tf.math.add(current, tf.math.mul(stop, step));
            active = tf.stopGradient(tf.math.mul(
                    active,
                    tf.dtypes.cast(tf.math.greaterEqual(frobenius(tf, step), tf.constant(eps)), TFloat32.class)));
        }
        return current;
    }

    /** Column-wise Frobenius normalisation: every output unit W[:, j] / ‖W[:, j]‖, each output 1-Lipschitz on its own. */
    public static Operand<TFloat32> columnNormalization(Ops tf, Operand<TFloat32> w) {
        Operand<TFloat32> norms = tf.math.sqrt(tf.math.add(
                tf.reduceSum(tf.math.square(w), tf.constant(0), org.tensorflow.op.core.ReduceSum.keepDims(true)),
                tf.constant(1e-12f)));
        return tf.math.div(w, norms);
    }

    /**
     * deel-lip's correction of a convolution whose reshaped kernel has unit spectral norm: for stride 1 and
     * {@code same} zero padding the operator norm is at most √((kh·h − ⌊kh/2⌋(⌊kh/2⌋+1))(kw·w − …)/(h·w)); for stride
     * s, at most ⌈kh/s⌉·⌈kw/s⌉ under the square root. The kernel is multiplied by the inverse of that bound.
     */
    public static double convLipschitzFactor(int kh, int kw, int strideH, int strideW, long h, long w) {
        if (strideH * strideW == 1) {
            double khDiv2 = (kh - 1) / 2.0;
            double kwDiv2 = (kw - 1) / 2.0;
            return Math.sqrt((w * h) / ((kh * h - khDiv2 * (khDiv2 + 1)) * (kw * w - kwDiv2 * (kwDiv2 + 1))));
        }
        return Math.sqrt(1.0 / (Math.ceil(kh / (double) strideH) * Math.ceil(kw / (double) strideW)));
    }

    static Operand<TFloat32> frobenius(Ops tf, Operand<TFloat32> x) {
        return tf.math.sqrt(tf.reduceSum(tf.math.square(x), allAxes(tf, x)));
    }

    static Operand<TFloat32> l2Normalize(Ops tf, Operand<TFloat32> x) {
        return tf.math.div(x, tf.math.add(frobenius(tf, x), tf.constant(1e-12f)));
    }

    /** Both axes of a matrix; the normalisers only handle rank-2 operands. */
    static Operand<org.tensorflow.types.TInt32> allAxes(Ops tf, Operand<?> x) {
        return tf.constant(new int[] {0, 1});
    }

    static void checkRange(String name, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + value);
        }
    }
}
