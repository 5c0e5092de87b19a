package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** ReLU, the baselines' activation: 1-Lipschitz but not gradient-norm preserving. */
public final class ReLU implements Layer, ExplicitGradient {

    private long[] shape;

    @Override
    public long[] build(Ops tf, long[] inputShape, Random random) {
        shape = inputShape.clone();
        return inputShape;
    }

    /** The output cotangent where x &gt; 0, as TensorFlow's ReluGrad. */
    @Override
    public Operand<TFloat32> inputCotangent(
            Ops tf,
            Operand<TFloat32> x,
            Operand<TFloat32> cotangent,
            int copies,
            List<Operand<TFloat32>> params,
            List<Operand<?>> gradientParams) {
        Operand<TFloat32> open = tf.dtypes.cast(tf.math.greater(x, tf.constant(0f)), TFloat32.class);
        return ExplicitGradient.stacked(
                tf, tf.math.mul(ExplicitGradient.byCopy(tf, cotangent, copies, shape), open), shape);
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
