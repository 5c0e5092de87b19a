package io.otnn.trainer.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Skew-orthogonal convolution (Singla &amp; Feizi, "Skew orthogonal convolutions", 2021): an orthogonal operator on
 * the feature maps, so that it preserves the norm of every back-propagated gradient, unlike {@link SpectralConv2D}.
 *
 * <p>A free kernel K {@code [k, k, c, c]} (k odd, stride 1, {@code same} zero padding) gives S = K − K*, where K* is
 * the kernel of the adjoint convolution, K*[i, j, a, b] = K[k−1−i, k−1−j, b, a] ({@link #adjointKernel}): conv(·, S) is
 * a skew-symmetric operator A, and exp(A) is orthogonal. S is scaled so that ‖A‖ ≤ ρ ({@link #RHO}) by the bound
 * ‖A‖ ≤ k·‖S_r‖₂, S_r the kernel reshaped to {@code [k·k·c, c]} (every input pixel enters at most k² patches of k²
 * pixels; the same bound holds for the zero-padded convolution as for the circular one it is a compression of), with
 * ‖S_r‖₂ estimated by power iteration as in {@link Normalizers#spectralNormalization} (from below: the divisor gets the
 * relative margin {@link #MARGIN}). The layer computes y = p_T(A) x / c_T + b, p_T the Taylor polynomial of exp of
 * degree T ({@link #TRAIN_TERMS} in the training pass, {@link #INFER_TERMS} in the inference form that evaluation and
 * the exported graph use). p_T(A) is normal (a polynomial of a skew-symmetric operator), so its norm is the largest
 * |p_T(iλ)| over the eigenvalues iλ of A; c_T = {@link #taylorNormBound}(T, ρ·{@link #RHO_SLACK}) bounds that from above
 * (slightly above 1 for T = 6), so the layer stays 1-Lipschitz even if the power iteration underestimates ‖S_r‖₂ by up
 * to the slack, and its Jacobian's singular values are |p_T(iλ)|/c_T, in [1 − 4·10⁻⁴, 1] for T = 6 and ρ = 1
 * ([1 − 10⁻⁹, 1] for T = 12).
 *
 * <p>Channels: c = max(cin, cout). With cout &lt; cin the operator runs on the cin input channels and keeps the first cout
 * (a truncation: Jᵀ = Qᵀ·Pᵀ, with Pᵀ padding the gradient with zeros, still preserves its norm). With cout &gt; cin the
 * input is padded with zero channels: the layer is still an isometry forward, but Jᵀ keeps only the first cin channels of
 * Qᵀg, which loses gradient norm unless training aligns the gradients.
 */
public final class OrthogonalConv2D implements Layer {

    /** Taylor terms of the training pass (the paper's choice). */
    public static final int TRAIN_TERMS = 6;
    /** Taylor terms of the inference form (evaluation and export). */
    public static final int INFER_TERMS = 12;
    /** The bound on ‖conv(·, S)‖ after scaling: rotation angles up to 1 radian. */
    public static final double RHO = 1.0;
    /** Relative margin on the power iteration's estimate of ‖S_r‖₂ (it approaches the norm from below). */
    public static final float MARGIN = 1e-4f;
    /** c_T is computed for ‖A‖ up to ρ times this: the layer stays ≤ 1-Lipschitz for estimates that far below. */
    public static final double RHO_SLACK = 1.1;
    /** Power iterations on S_r when the frozen kernel is condensed (the training pass keeps u between steps). */
    public static final int CONDENSE_ITERATIONS = 100;

    private final int filters;
    private final int kernelSize;
    private final int spectralIterations = Normalizers.spectralIterations();

    private long inputChannels;
    private long channels;
    private long[] kshape;
    private Variable<TFloat32> kernel;
    private Variable<TFloat32> bias;
    private Variable<TFloat32> u;
    private Variable<TFloat32> frozenKernel;

    public OrthogonalConv2D(int filters, int kernelSize) {
        Normalizers.checkRange("filters", filters, 1, 1 << 16);
        Normalizers.checkRange("kernelSize", kernelSize, 1, 15);
        if (kernelSize % 2 == 0) {
            throw new IllegalArgumentException("OrthogonalConv2D needs an odd kernel size, got " + kernelSize);
        }
        this.filters = filters;
        this.kernelSize = kernelSize;
    }

    @Override
    public long[] build(Ops tf, long[] inputShape, Random random) {
        if (inputShape.length != 3) {
            throw new IllegalArgumentException(
                    "OrthogonalConv2D needs [H, W, C] inputs, got " + java.util.Arrays.toString(inputShape));
        }
        inputChannels = inputShape[2];
        channels = Math.max(inputChannels, filters);
        kshape = new long[] {kernelSize, kernelSize, channels, channels};
        long fan = (long) kernelSize * kernelSize * channels;
        int size = (int) (fan * channels);
        kernel = Vars.create(tf, "kernel", kshape, Init.glorotUniform(random, size, fan, fan));
        bias = Vars.create(tf, "bias", new long[] {filters}, new float[filters]);
        u = Vars.create(tf, "u", new long[] {1, channels}, Init.normal(random, (int) channels));
        frozenKernel = Vars.create(tf, "frozen_kernel", kshape, new float[size]);
        return new long[] {inputShape[0], inputShape[1], filters};
    }

    /** The channels the operator runs on: max(cin, cout). */
    public long channels() {
        return channels;
    }

    /** K*: the kernel of the adjoint of conv(·, K) ({@code same} zero padding, stride 1, k odd). */
    public static Operand<TFloat32> adjointKernel(Ops tf, Operand<TFloat32> k) {
        Operand<TFloat32> flipped = tf.reverse(k, tf.constant(new int[] {0, 1}));
        return tf.linalg.transpose(flipped, tf.constant(new int[] {0, 1, 3, 2}));
    }

    /** S = K − K*, scaled so that the bound k·‖S_r‖₂ of its operator norm is ρ; and the new u. */
    private Normalizers.Spectral scaledSkewKernel(Ops tf, int iterations, float eps) {
        Operand<TFloat32> skew = tf.math.sub(kernel, adjointKernel(tf, kernel));
        Operand<TFloat32> matrix =
                tf.reshape(skew, tf.constant(new long[] {kernelSize * kernelSize * channels, channels}));
        Normalizers.Spectral sn = Normalizers.spectralNormalization(tf, matrix, u, eps, iterations);
        float scale = (float) (RHO / (kernelSize * (1 + MARGIN)));
        Operand<TFloat32> s = tf.math.mul(tf.reshape(sn.normalized(), tf.constant(kshape)), tf.constant(scale));
        return new Normalizers.Spectral(s, sn.u(), sn.sigma());
    }

    @Override
    public Operand<TFloat32> train(Ops tf, Operand<TFloat32> x, List<Op> updates) {
        Normalizers.Spectral n = scaledSkewKernel(tf, spectralIterations, Normalizers.DEFAULT_EPS_SPECTRAL);
        var s = tf.identity(n.normalized());
        updates.add(tf.withControlDependencies(s).assign(u, n.u()));
        return apply(tf, x, s, bias, TRAIN_TERMS);
    }

    @Override
    public List<Op> condense(Ops tf) {
        Normalizers.Spectral n = scaledSkewKernel(tf, CONDENSE_ITERATIONS, 1e-7f);
        var s = tf.identity(n.normalized());
        return List.of(tf.assign(frozenKernel, s), tf.withControlDependencies(s).assign(u, n.u()));
    }

    @Override
    public List<Operand<TFloat32>> inferenceParameters() {
        return List.of(frozenKernel, bias);
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        return apply(tf, x, params.get(0), params.get(1), INFER_TERMS);
    }

    /** y = p_T(conv(·, s)) x / c_T on max(cin, cout) channels, the first cout kept, plus the bias. */
    Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Operand<TFloat32> s, Operand<TFloat32> b, int terms) {
        Operand<TFloat32> h = x;
        if (channels > inputChannels) {
            h = tf.pad(
                    x,
                    tf.constant(new int[][] {{0, 0}, {0, 0}, {0, 0}, {0, (int) (channels - inputChannels)}}),
                    tf.constant(0f));
        }
        Operand<TFloat32> term = h;
        Operand<TFloat32> sum = h;
        for (int i = 1; i <= terms; i++) {
            term = tf.math.div(tf.nn.conv2d(term, s, List.of(1L, 1L, 1L, 1L), "SAME"), tf.constant((float) i));
            sum = tf.math.add(sum, term);
        }
        double c = taylorNormBound(terms, RHO * RHO_SLACK);
        if (c > 1) sum = tf.math.div(sum, tf.constant((float) c));
        if (filters < channels) {
            sum = tf.slice(sum, tf.constant(new int[] {0, 0, 0, 0}), tf.constant(new int[] {-1, -1, -1, filters}));
        }
        return tf.nn.biasAdd(sum, b);
    }

    /**
     * An upper bound of max |p_T(iλ)| over |λ| ≤ ρ, p_T the Taylor polynomial of exp of degree T; at least 1. Since
     * |e^{iλ}| = 1, |p_T(iλ)|² − 1 = Σ_{d=T+1}^{2T} a_d λ^d (the lower coefficients cancel), so the bound is
     * √(1 + Σ max(a_d, 0) ρ^d).
     */
    public static double taylorNormBound(int terms, double rho) {
        double excess = 0;
        for (int d = terms + 1; d <= 2 * terms; d++) {
            // a_d = Σ_{m+n=d; m,n≤T} i^m (−i)^n / (m! n!) = i^d Σ (−1)^n / (m! n!): zero for odd d (the pairs (m, n)
            // and (n, m) cancel)
            if (d % 2 == 1) continue;
            double sign = (d / 2) % 2 == 0 ? 1 : -1;
            double a = 0;
            for (int m = d - terms; m <= terms; m++) {
                int n = d - m;
                a += (n % 2 == 0 ? 1 : -1) / (factorial(m) * factorial(n));
            }
            a *= sign;
            if (a > 0) excess += a * Math.pow(rho, d);
        }
        return Math.sqrt(1 + excess);
    }

    private static double factorial(int n) {
        double f = 1;
        for (int i = 2; i <= n; i++) f *= i;
        return f;
    }

    @Override
    public List<Variable<TFloat32>> trainableVariables() {
        return List.of(kernel, bias);
    }

    @Override
    public List<Variable<TFloat32>> stateVariables() {
        return new ArrayList<>(List.of(u, frozenKernel));
    }

    @Override
    public boolean constrained() {
        return true;
    }

    @Override
    public String describe() {
        return "OrthogonalConv2D(" + filters + ", " + kernelSize + "x" + kernelSize + ")";
    }
}
