package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** ReLU, the baselines' activation: 1-Lipschitz but not gradient-norm preserving. */
public final class ReLU implements Layer {

    @Override
    public long[] build(Ops tf, long[] inputShape, Random random) {
        return inputShape;
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        return tf.nn.relu(x);
    }

    @Override
    public boolean constrained() {
        return false;
    }

    @Override
    public String describe() {
        return "ReLU";
    }
}
