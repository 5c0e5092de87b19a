package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** Unconstrained 2-D convolution, {@code same} padding (the baselines' counterpart of {@link SpectralConv2D}). */
public final class Conv2D implements Layer {

    private final int filters;
    private final int kernelSize;
    private final int stride;
    private double factor;
    private Variable<TFloat32> kernel;
    private Variable<TFloat32> bias;

    public Conv2D(int filters, int kernelSize, int stride) {
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
                    "Conv2D needs [H, W, C] inputs, got " + java.util.Arrays.toString(inputShape));
        }
        long cin = inputShape[2];
        long[] shape = {kernelSize, kernelSize, cin, filters};
        long fanIn = kernelSize * kernelSize * cin;
        factor = Normalizers.convLipschitzFactor(kernelSize, kernelSize, stride, stride, inputShape[0], inputShape[1]);
        kernel = Vars.create(
                tf,
                "kernel",
                shape,
                Init.glorotUniform(random, (int) (fanIn * filters), fanIn, (long) kernelSize * kernelSize * filters));
        bias = Vars.create(tf, "bias", new long[] {filters}, new float[filters]);
        return new long[] {
            SpectralConv2D.ceilDiv(inputShape[0], stride), SpectralConv2D.ceilDiv(inputShape[1], stride), filters
        };
    }

    @Override
    public List<Operand<TFloat32>> inferenceParameters() {
        return List.of(kernel, bias);
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        Operand<TFloat32> y = tf.nn.conv2d(x, params.get(0), List.of(1L, (long) stride, (long) stride, 1L), "SAME");
        return tf.nn.biasAdd(y, params.get(1));
    }

    @Override
    public List<Variable<TFloat32>> trainableVariables() {
        return List.of(kernel, bias);
    }

    /** σ_max of the reshaped kernel divided by deel-lip's conv factor: the same bound that SpectralConv2D enforces. */
    @Override
    public double lipschitzBound(List<Param> params) {
        Param k = params.get(0);
        return MatrixNorms.spectralNorm(k.values(), k.rows(), k.cols()) / factor;
    }

    @Override
    public boolean constrained() {
        return false;
    }

    @Override
    public String describe() {
        return "Conv2D(" + filters + ", " + kernelSize + "x" + kernelSize + (stride > 1 ? ", stride " + stride : "")
                + ")";
    }
}
