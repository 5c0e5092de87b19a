package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** Unconstrained dense layer (the baselines' counterpart of {@link SpectralDense}), Glorot-uniform initialised. */
public final class Dense implements Layer, ExplicitGradient.Affine {

    private final int units;
    private long in;
    private Variable<TFloat32> kernel;
    private Variable<TFloat32> bias;

    public Dense(int units) {
        Normalizers.checkRange("units", units, 1, 1 << 20);
        this.units = units;
    }

    @Override
    public long[] build(Ops tf, long[] inputShape, Random random) {
        if (inputShape.length != 1) {
            throw new IllegalArgumentException(
                    "Dense needs a flat input, got " + java.util.Arrays.toString(inputShape));
        }
        in = inputShape[0];
        kernel = Vars.create(
                tf, "kernel", new long[] {in, units}, Init.glorotUniform(random, (int) (in * units), in, units));
        bias = Vars.create(tf, "bias", new long[] {units}, new float[units]);
        return new long[] {units};
    }

    @Override
    public List<Operand<TFloat32>> inferenceParameters() {
        return List.of(kernel, bias);
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        return tf.math.add(tf.linalg.matMul(x, params.get(0)), params.get(1));
    }

    @Override
    public List<Variable<TFloat32>> trainableVariables() {
        return List.of(kernel, bias);
    }

    /** σ_max of the kernel, by power iteration. */
    @Override
    public double lipschitzBound(List<Param> params) {
        Param k = params.get(0);
        return MatrixNorms.spectralNorm(k.values(), k.rows(), k.cols());
    }

    @Override
    public boolean constrained() {
        return false;
    }

    @Override
    public String describe() {
        return "Dense(" + units + ")";
    }
}
