package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * GroupSort2 (Anil et al. 2019; paper A.2.2): GroupSort2(x)_{2i,2i+1} = [min(x_{2i}, x_{2i+1}), max(x_{2i}, x_{2i+1})]
 * over the last axis. A permutation of its input at every point, hence 1-Lipschitz and gradient-norm preserving.
 */
public final class GroupSort2 implements Layer, ExplicitGradient {

    private long[] shape;

    @Override
    public long[] build(Ops tf, long[] inputShape, Random random) {
        long channels = inputShape[inputShape.length - 1];
        if (channels % 2 != 0) {
            throw new IllegalArgumentException("GroupSort2 needs an even number of channels, got " + channels);
        }
        shape = inputShape.clone();
        return inputShape;
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        return groupSort2(tf, x, shape);
    }

    /**
     * Each pair's output cotangents (of its min, then its max) go back to the input that gave them: swapped where
     * x_{2i} &gt; x_{2i+1}. On a tie the first input takes the min's and the second the max's, a subgradient as good as
     * TensorFlow's (which gives both to the first).
     */
    @Override
    public Operand<TFloat32> inputCotangent(
            Ops tf,
            Operand<TFloat32> x,
            Operand<TFloat32> cotangent,
            int copies,
            List<Operand<TFloat32>> params,
            List<Operand<?>> gradientParams) {
        long[] pairs = pairShape(shape);
        int pairAxis = shape.length + 1;
        var inputs = tf.split(tf.constant(pairAxis), tf.reshape(x, tf.constant(pairs)), 2L);
        Operand<org.tensorflow.types.TBool> swapped =
                tf.math.greater(inputs.output().get(0), inputs.output().get(1));
        long[] perPair = new long[pairs.length - 1];
        System.arraycopy(pairs, 1, perPair, 0, perPair.length);
        var out = tf.split(tf.constant(pairAxis + 1), ExplicitGradient.byCopy(tf, cotangent, copies, perPair), 2L);
        Operand<TFloat32> ofMin = out.output().get(0);
        Operand<TFloat32> ofMax = out.output().get(1);
        Operand<TFloat32> back = tf.concat(
                List.of(tf.select(swapped, ofMax, ofMin), tf.select(swapped, ofMin, ofMax)), tf.constant(pairAxis + 1));
        return ExplicitGradient.stacked(tf, back, shape);
    }

    /** {@code [-1, ...shape without its last axis, C/2, 2]}. */
    private static long[] pairShape(long[] shape) {
        long[] pairs = new long[shape.length + 2];
        pairs[0] = -1;
        System.arraycopy(shape, 0, pairs, 1, shape.length);
        pairs[shape.length] = shape[shape.length - 1] / 2;
        pairs[shape.length + 1] = 2;
        return pairs;
    }

    /** Pure function: pairs of the last axis sorted ascending. {@code shape} excludes the batch axis. */
    public static Operand<TFloat32> groupSort2(Ops tf, Operand<TFloat32> x, long[] shape) {
        Operand<TFloat32> grouped = tf.reshape(x, tf.constant(pairShape(shape)));
        var halves = tf.split(tf.constant(shape.length + 1), grouped, 2L);
        Operand<TFloat32> a = halves.output().get(0);
        Operand<TFloat32> b = halves.output().get(1);
        Operand<TFloat32> sorted =
                tf.concat(List.of(tf.math.minimum(a, b), tf.math.maximum(a, b)), tf.constant(shape.length + 1));
        long[] back = new long[shape.length + 1];
        back[0] = -1;
        System.arraycopy(shape, 0, back, 1, shape.length);
        return tf.reshape(sorted, tf.constant(back));
    }

    @Override
    public boolean constrained() {
        return true;
    }

    @Override
    public String describe() {
        return "GroupSort2";
    }
}
