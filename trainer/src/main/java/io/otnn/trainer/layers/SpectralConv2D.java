package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * 2-D convolution ({@code same} padding) whose kernel, reshaped to {@code [kh·kw·cin, cout]}, is spectrally normalised
 * and orthogonalised by Björck, then multiplied by deel-lip's correction factor
 * ({@link Normalizers#convLipschitzFactor}) so that the convolution operator itself is 1-Lipschitz (paper A.2.2,
 * deel-lip {@code SpectralConv2D}). Unlike the dense case this bound is not tight: the layer is ≤ 1-Lipschitz, often
 * well below (every back-propagated gradient loses that share of its norm). With {@code operatorNorm} the kernel is
 * divided by the convolution's own operator norm instead (power iteration on the convolution and its transpose), so
 * that its largest singular value is 1.
 */
public final class SpectralConv2D extends SpectralLayer {

    /** Power iterations on the convolution operator per training step (u persists between steps). */
    public static final int OPERATOR_STEPS_TRAIN = 1;
    /** Power iterations on the convolution operator when the frozen kernel is condensed for export. */
    public static final int OPERATOR_STEPS_CONDENSE = 50;
    /** Relative margin added to the estimated operator norm (power iteration approaches it from below). */
    public static final float OPERATOR_MARGIN = 1e-4f;

    private final int filters;
    private final int kernelSize;
    private final int stride;
    private final boolean operatorNorm;
    private final int bjorckIterations = Normalizers.bjorckIterations();
    private final int spectralIterations = Normalizers.spectralIterations();

    private long[] kshape;
    private long[] inputShape;
    private long rows;
    private float factor;
    private Variable<TFloat32> uConv;
    private Operand<TFloat32> nextUConv;
    private int operatorSteps = OPERATOR_STEPS_TRAIN;

    public SpectralConv2D(int filters, int kernelSize, int stride) {
        this(filters, kernelSize, stride, false);
    }

    /**
     * @param operatorNorm divide the Björck-orthogonalised kernel by the operator norm of the convolution itself
     *     (power iteration on the convolution and its transpose, on the layer's input size), instead of multiplying it
     *     by deel-lip's bound {@link #factor()}; never by less than that bound
     */
    public SpectralConv2D(int filters, int kernelSize, int stride, boolean operatorNorm) {
        Normalizers.checkRange("filters", filters, 1, 1 << 16);
        Normalizers.checkRange("kernelSize", kernelSize, 1, 15);
        Normalizers.checkRange("stride", stride, 1, 8);
        this.filters = filters;
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.operatorNorm = operatorNorm;
    }

    @Override
    public long[] build(Ops tf, long[] inputShape, Random random) {
        if (inputShape.length != 3) {
            throw new IllegalArgumentException(
                    "SpectralConv2D needs [H, W, C] inputs, got " + java.util.Arrays.toString(inputShape));
        }
        long cin = inputShape[2];
        kshape = new long[] {kernelSize, kernelSize, cin, filters};
        rows = kernelSize * kernelSize * cin;
        factor = (float)
                Normalizers.convLipschitzFactor(kernelSize, kernelSize, stride, stride, inputShape[0], inputShape[1]);
        int size = (int) (rows * filters);
        kernel = Vars.create(
                tf, "kernel", kshape, Init.glorotUniform(random, size, rows, (long) kernelSize * kernelSize * filters));
        bias = Vars.create(tf, "bias", new long[] {filters}, new float[filters]);
        u = Vars.create(tf, "u", new long[] {1, filters}, Init.normal(random, filters));
        frozenKernel = Vars.create(tf, "frozen_kernel", kshape, new float[size]);
        this.inputShape = inputShape.clone();
        if (operatorNorm) {
            int n = (int) (inputShape[0] * inputShape[1] * cin);
            uConv = Vars.create(
                    tf, "u_conv", new long[] {1, inputShape[0], inputShape[1], cin}, Init.normal(random, n));
        }
        return new long[] {ceilDiv(inputShape[0], stride), ceilDiv(inputShape[1], stride), filters};
    }

    /** The correction factor applied to the orthogonalised kernel (depends on the input size and stride). */
    public float factor() {
        return factor;
    }

    @Override
    Normalizers.Spectral normalize(Ops tf) {
        Operand<TFloat32> matrix = tf.reshape(kernel, tf.constant(new long[] {rows, filters}));
        Normalizers.Spectral sn =
                Normalizers.spectralNormalization(tf, matrix, u, Normalizers.DEFAULT_EPS_SPECTRAL, spectralIterations);
        lastSpectral = sn.normalized();
        Operand<TFloat32> w = Normalizers.bjorck(
                tf,
                sn.normalized(),
                rows,
                filters,
                Normalizers.DEFAULT_BETA_BJORCK,
                Normalizers.DEFAULT_EPS_BJORCK,
                bjorckIterations);
        if (!operatorNorm) {
            w = tf.reshape(tf.math.mul(w, tf.constant(factor)), tf.constant(kshape));
            return new Normalizers.Spectral(w, sn.u(), sn.sigma());
        }
        Operand<TFloat32> k = tf.reshape(w, tf.constant(kshape));
        Operand<TFloat32> fixed = tf.stopGradient(k);
        Operand<TFloat32> v = Normalizers.l2Normalize(tf, flat(tf, uConv));
        for (int i = 0; i < operatorSteps; i++) {
            Operand<TFloat32> y = conv(tf, unflat(tf, v), fixed);
            Operand<TFloat32> back = tf.nn.conv2dBackpropInput(
                    tf.constant(new int[] {1, (int) inputShape[0], (int) inputShape[1], (int) inputShape[2]}),
                    fixed,
                    y,
                    strides(),
                    "SAME");
            v = Normalizers.l2Normalize(tf, flat(tf, back));
        }
        v = tf.stopGradient(v);
        nextUConv = unflat(tf, v);
        // σ = ‖A v‖ for the unit vector v: differentiable in the kernel, like spectral normalisation's σ
        Operand<TFloat32> sigma = Normalizers.frobenius(tf, flat(tf, conv(tf, unflat(tf, v), k)));
        Operand<TFloat32> divisor =
                tf.math.minimum(tf.math.mul(sigma, tf.constant(1 + OPERATOR_MARGIN)), tf.constant(1f / factor));
        return new Normalizers.Spectral(tf.math.div(k, divisor), sn.u(), sn.sigma());
    }

    @Override
    public Operand<TFloat32> train(Ops tf, Operand<TFloat32> x, List<org.tensorflow.op.Op> updates) {
        Operand<TFloat32> y = super.train(tf, x, updates);
        if (operatorNorm) updates.add(tf.withControlDependencies(List.of(y)).assign(uConv, nextUConv));
        return y;
    }

    @Override
    public List<org.tensorflow.op.Op> condense(Ops tf) {
        if (!operatorNorm) return super.condense(tf);
        operatorSteps = OPERATOR_STEPS_CONDENSE;
        try {
            List<org.tensorflow.op.Op> ops = new java.util.ArrayList<>(super.condense(tf));
            ops.add(tf.withControlDependencies(ops).assign(uConv, nextUConv));
            return ops;
        } finally {
            operatorSteps = OPERATOR_STEPS_TRAIN;
        }
    }

    @Override
    public List<Variable<TFloat32>> stateVariables() {
        if (!operatorNorm) return super.stateVariables();
        List<Variable<TFloat32>> vars = new java.util.ArrayList<>(super.stateVariables());
        vars.add(uConv);
        return vars;
    }

    private List<Long> strides() {
        return List.of(1L, (long) stride, (long) stride, 1L);
    }

    private Operand<TFloat32> conv(Ops tf, Operand<TFloat32> x, Operand<TFloat32> k) {
        return tf.nn.conv2d(x, k, strides(), "SAME");
    }

    private static Operand<TFloat32> flat(Ops tf, Operand<TFloat32> x) {
        return tf.reshape(x, tf.constant(new long[] {1, -1}));
    }

    private Operand<TFloat32> unflat(Ops tf, Operand<TFloat32> x) {
        return tf.reshape(x, tf.constant(new long[] {1, inputShape[0], inputShape[1], inputShape[2]}));
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        Operand<TFloat32> y = tf.nn.conv2d(x, params.get(0), List.of(1L, (long) stride, (long) stride, 1L), "SAME");
        return tf.nn.biasAdd(y, params.get(1));
    }

    @Override
    public String describe() {
        return "SpectralConv2D(" + filters + ", " + kernelSize + "x" + kernelSize
                + (stride > 1 ? ", stride " + stride : "") + (operatorNorm ? ", operator norm" : "") + ")";
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
