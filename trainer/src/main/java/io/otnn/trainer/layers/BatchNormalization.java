package io.otnn.trainer.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Batch normalisation over all axes but the last (the baselines only). Training uses the batch statistics and updates
 * moving averages; inference is the affine map y = x·scale + shift with scale = γ/√(var + ε), shift = β − mean·scale.
 */
public final class BatchNormalization implements Layer, ExplicitGradient {

    public static final float DEFAULT_MOMENTUM = 0.99f;
    public static final float DEFAULT_EPSILON = 1e-3f;

    private long channels;
    private int rank;
    private Variable<TFloat32> gamma;
    private Variable<TFloat32> beta;
    private Variable<TFloat32> movingMean;
    private Variable<TFloat32> movingVar;
    private Variable<TFloat32> scale;
    private Variable<TFloat32> shift;

    @Override
    public long[] build(Ops tf, long[] inputShape, Random random) {
        channels = inputShape[inputShape.length - 1];
        rank = inputShape.length + 1;
        int c = (int) channels;
        gamma = Vars.create(tf, "gamma", new long[] {c}, Init.filled(c, 1f));
        beta = Vars.create(tf, "beta", new long[] {c}, new float[c]);
        movingMean = Vars.create(tf, "moving_mean", new long[] {c}, new float[c]);
        movingVar = Vars.create(tf, "moving_variance", new long[] {c}, Init.filled(c, 1f));
        scale = Vars.create(tf, "frozen_scale", new long[] {c}, Init.filled(c, 1f));
        shift = Vars.create(tf, "frozen_shift", new long[] {c}, new float[c]);
        return inputShape;
    }

    private int[] reduceAxes() {
        int[] axes = new int[rank - 1];
        for (int i = 0; i < axes.length; i++) axes[i] = i;
        return axes;
    }

    @Override
    public Operand<TFloat32> train(Ops tf, Operand<TFloat32> x, List<Op> updates) {
        Operand<TFloat32> mean = tf.math.mean(x, tf.constant(reduceAxes()));
        Operand<TFloat32> var =
                tf.math.mean(tf.math.squaredDifference(x, tf.stopGradient(mean)), tf.constant(reduceAxes()));
        Operand<TFloat32> m = tf.constant(DEFAULT_MOMENTUM);
        Operand<TFloat32> oneMinus = tf.constant(1f - DEFAULT_MOMENTUM);
        updates.add(tf.assign(
                movingMean, tf.math.add(tf.math.mul(m, movingMean), tf.math.mul(oneMinus, tf.stopGradient(mean)))));
        updates.add(tf.assign(
                movingVar, tf.math.add(tf.math.mul(m, movingVar), tf.math.mul(oneMinus, tf.stopGradient(var)))));
        Operand<TFloat32> s = tf.math.div(gamma, tf.math.sqrt(tf.math.add(var, tf.constant(DEFAULT_EPSILON))));
        return tf.math.add(tf.math.mul(tf.math.sub(x, mean), s), beta);
    }

    @Override
    public List<Op> condense(Ops tf) {
        Operand<TFloat32> s = tf.math.div(gamma, tf.math.sqrt(tf.math.add(movingVar, tf.constant(DEFAULT_EPSILON))));
        List<Op> ops = new ArrayList<>();
        ops.add(tf.assign(scale, s));
        ops.add(tf.assign(shift, tf.math.sub(beta, tf.math.mul(movingMean, s))));
        return ops;
    }

    @Override
    public List<Operand<TFloat32>> inferenceParameters() {
        return List.of(scale, shift);
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        return tf.math.add(tf.math.mul(x, params.get(0)), params.get(1));
    }

    /** y = x·scale + shift per channel: the output cotangent times scale. */
    @Override
    public Operand<TFloat32> inputCotangent(
            Ops tf,
            Operand<TFloat32> x,
            Operand<TFloat32> cotangent,
            int copies,
            List<Operand<TFloat32>> params,
            List<Operand<?>> gradientParams) {
        return tf.math.mul(cotangent, params.get(0));
    }

    @Override
    public List<Variable<TFloat32>> trainableVariables() {
        return List.of(gamma, beta);
    }

    @Override
    public List<Variable<TFloat32>> stateVariables() {
        return List.of(movingMean, movingVar, scale, shift);
    }

    /** max |scale|: the inference form is a diagonal map. */
    @Override
    public double lipschitzBound(List<Param> params) {
        double max = 0;
        for (float v : params.get(0).values()) max = Math.max(max, Math.abs(v));
        return max;
    }

    @Override
    public boolean constrained() {
        return false;
    }

    @Override
    public String describe() {
        return "BatchNormalization";
    }
}
