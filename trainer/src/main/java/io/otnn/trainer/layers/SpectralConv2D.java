package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * 2-D convolution ({@code same} padding) whose kernel, reshaped to {@code [kh·kw·cin, cout]}, is spectrally normalised
 * and orthogonalised by Björck, then multiplied by deel-lip's correction factor
 * ({@link Normalizers#convLipschitzFactor}) so that the convolution operator itself is 1-Lipschitz (paper A.2.2,
 * deel-lip {@code SpectralConv2D}). Unlike the dense case this bound is not tight: the layer is ≤ 1-Lipschitz.
 */
public final class SpectralConv2D extends SpectralLayer {

    private final int filters;
    private final int kernelSize;
    private final int stride;

    private long[] kshape;
    private long rows;
    private float factor;

    public SpectralConv2D(int filters, int kernelSize, int stride) {
        Normalizers.checkRange("filters", filters, 1, 1 << 16);
        Normalizers.checkRange("kernelSize", kernelSize, 1, 15);
        Normalizers.checkRange("stride", stride, 1, 8);
        this.filters = filters;
        this.kernelSize = kernelSize;
        this.stride = stride;
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
        return new long[] {ceilDiv(inputShape[0], stride), ceilDiv(inputShape[1], stride), filters};
    }

    /** The correction factor applied to the orthogonalised kernel (depends on the input size and stride). */
    public float factor() {
        return factor;
    }

    @Override
    Normalizers.Spectral normalize(Ops tf) {
        Operand<TFloat32> matrix = tf.reshape(kernel, tf.constant(new long[] {rows, filters}));
        Normalizers.Spectral sn = Normalizers.spectralNormalization(
                tf, matrix, u, Normalizers.DEFAULT_EPS_SPECTRAL, Normalizers.DEFAULT_MAXITER_SPECTRAL);
        lastSpectral = sn.normalized();
        Operand<TFloat32> w = Normalizers.bjorck(
                tf,
                sn.normalized(),
                rows,
                filters,
                Normalizers.DEFAULT_BETA_BJORCK,
                Normalizers.DEFAULT_EPS_BJORCK,
                Normalizers.DEFAULT_MAXITER_BJORCK);
        w = tf.reshape(tf.math.mul(w, tf.constant(factor)), tf.constant(kshape));
        return new Normalizers.Spectral(w, sn.u(), sn.sigma());
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        Operand<TFloat32> y = tf.nn.conv2d(x, params.get(0), List.of(1L, (long) stride, (long) stride, 1L), "SAME");
        return tf.nn.biasAdd(y, params.get(1));
    }

    @Override
    public String describe() {
        return "SpectralConv2D(" + filters + ", " + kernelSize + "x" + kernelSize
                + (stride > 1 ? ", stride " + stride : "") + ")";
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
