package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Flattens {@code [H, W, C]} to {@code [H·W·C]}: a reshape, 1-Lipschitz. */
public final class Flatten implements Layer {

    private long size;

    @Override
    public long[] build(Ops tf, long[] inputShape, Random random) {
        size = Vars.product(inputShape);
        return new long[] {size};
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        return tf.reshape(x, tf.constant(new long[] {-1, size}));
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
