package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Dense head with disjoint 1-Lipschitz outputs (deel-lip {@code FrobeniusDense(disjoint_neurons=True)}): each column
 * of the kernel is divided by its own L2 norm, so every output f_k is 1-Lipschitz on its own (the certificate factor
 * of such independent heads is 2). With a single output it equals spectral normalisation.
 */
public final class FrobeniusDense implements Layer, ExplicitGradient.Affine {

    private final int units;
    private long in;
    private Variable<TFloat32> kernel;
    private Variable<TFloat32> bias;
    private Variable<TFloat32> frozenKernel;

    public FrobeniusDense(int units) {
        Normalizers.checkRange("units", units, 1, 1 << 20);
        this.units = units;
    }

    @Override
    public long[] build(Ops tf, long[] inputShape, Random random) {
        if (inputShape.length != 1) {
            throw new IllegalArgumentException(
                    "FrobeniusDense needs a flat input, got " + java.util.Arrays.toString(inputShape));
        }
        in = inputShape[0];
        kernel = Vars.create(
                tf, "kernel", new long[] {in, units}, Init.glorotUniform(random, (int) (in * units), in, units));
        bias = Vars.create(tf, "bias", new long[] {units}, new float[units]);
        frozenKernel = Vars.create(tf, "frozen_kernel", new long[] {in, units}, new float[(int) (in * units)]);
        return new long[] {units};
    }

    @Override
    public Operand<TFloat32> train(Ops tf, Operand<TFloat32> x, List<Op> updates) {
        return infer(tf, x, List.of(Normalizers.columnNormalization(tf, read(tf)), bias));
    }

    @Override
    public List<Op> condense(Ops tf) {
        return List.of(tf.assign(frozenKernel, Normalizers.columnNormalization(tf, read(tf))));
    }

    /**
     * The kernel's value. Differentiating Square applied to the variable itself crashes TF's C gradient builder (its
     * SquareGrad casts a constant to the input's type, here the reference type float_ref).
     */
    private Operand<TFloat32> read(Ops tf) {
        return tf.identity(kernel);
    }

    @Override
    public List<Operand<TFloat32>> inferenceParameters() {
        return List.of(frozenKernel, bias);
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        return tf.math.add(tf.linalg.matMul(x, params.get(0)), params.get(1));
    }

    @Override
    public List<Variable<TFloat32>> trainableVariables() {
        return List.of(kernel, bias);
    }

    @Override
    public List<Variable<TFloat32>> stateVariables() {
        return List.of(frozenKernel);
    }

    @Override
    public boolean constrained() {
        return true;
    }

    @Override
    public String describe() {
        return "FrobeniusDense(" + units + ")";
    }
}
