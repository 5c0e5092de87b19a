package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Flattens {@code [H, W, C]} to {@code [H·W·C]}: a reshape, 1-Lipschitz. */
public final class Flatten implements Layer, ExplicitGradient {

    private long size;
    private long[] inputShape;

    @Override
    public long[] build(Ops tf, long[] inputShape, Random random) {
        size = Vars.product(inputShape);
        this.inputShape = inputShape.clone();
        return new long[] {size};
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        return tf.reshape(x, tf.constant(new long[] {-1, size}));
    }

    @Override
    public Operand<TFloat32> inputCotangent(
            Ops tf,
            Operand<TFloat32> x,
            Operand<TFloat32> cotangent,
            int copies,
            List<Operand<TFloat32>> params,
            List<Operand<?>> gradientParams) {
        return ExplicitGradient.stacked(tf, cotangent, inputShape);
    }

    @Override
    public boolean constrained() {
        return true;
    }

    @Override
    public String describe() {
        return "Flatten";
    }
}
