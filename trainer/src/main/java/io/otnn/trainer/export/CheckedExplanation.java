package io.otnn.trainer.export;

import java.util.List;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * The outputs of the {@code explain_checked} signature that {@code explain} does not have: the boundary points x_δ,
 * the counterfactuals x_cf and the logits of both, computed in the graph exactly as the explainer's Java path does.
 *
 * <p>g = f_top1 − f_top2 (float32, as the logits are) and ∇g = {@code grad_margin}; with one logit the step is
 * f·∇f/‖∇f‖², which is the Java path's |f|·(±∇f)/‖∇f‖² with the sign of the predicted class. The step
 * s = g/‖∇g‖²·∇g is taken in float64 (‖∇g‖² summed in float64, 0 where ‖∇g‖ = 0 or g = 0), then x_δ = (float) (x − s)
 * and x_cf = clip((float) (x − t·s), min, max). The self-check runs the network once more over [x_δ; x_cf].
 */
record CheckedExplanation(
        Operand<TFloat32> boundary,
        Operand<TFloat32> counterfactual,
        Operand<TFloat32> boundaryLogits,
        Operand<TFloat32> counterfactualLogits) {

    /**
     * @param tf      the scope the new ops go to
     * @param images  x {@code [N, H, W, C]}
     * @param logits  f(x) {@code [N, K]}
     * @param heads   the untargeted gradients of x ({@code explain}'s)
     * @param k       K
     * @param t       the step factor, a float64 scalar
     * @param min     the input range's minimum
     * @param max     the input range's maximum
     * @param network the network's inference form, applied to a batch of points (same variables as f)
     */
    static CheckedExplanation build(
            Ops tf,
            Operand<TFloat32> images,
            Operand<TFloat32> logits,
            ExplainHeads heads,
            int k,
            Operand<TFloat64> t,
            double min,
            double max,
            UnaryOperator<Operand<TFloat32>> network) {
        Operand<TFloat32> g32;
        if (k == 1) {
            g32 = logits;
        } else {
            Operand<TFloat32> top = tf.nn.topK(logits, tf.constant(2)).values();
            Operand<TFloat32> first = tf.slice(top, tf.constant(new int[] {0, 0}), tf.constant(new int[] {-1, 1}));
            Operand<TFloat32> second = tf.slice(top, tf.constant(new int[] {0, 1}), tf.constant(new int[] {-1, 1}));
            g32 = tf.math.sub(first, second);
        }
        Operand<TFloat64> g = tf.reshape(tf.dtypes.cast(g32, TFloat64.class), tf.constant(new long[] {-1, 1, 1, 1}));
        Operand<TFloat64> grad = tf.dtypes.cast(heads.gradMargin(), TFloat64.class);
        Operand<TFloat64> norm2 =
                tf.reduceSum(tf.math.square(grad), tf.constant(new int[] {1, 2, 3}), ReduceSum.keepDims(true));
        Operand<TFloat64> step = tf.math.mul(tf.math.divNoNan(g, norm2), grad);
        Operand<TFloat64> x = tf.dtypes.cast(images, TFloat64.class);
        Operand<TFloat32> boundary = tf.withName("boundary").dtypes.cast(tf.math.sub(x, step), TFloat32.class);
        Operand<TFloat32> counterfactual = tf.withName("counterfactual")
                .clipByValue(
                        tf.dtypes.cast(tf.math.sub(x, tf.math.mul(t, step)), TFloat32.class),
                        tf.constant((float) min),
                        tf.constant((float) max));
        Operand<TFloat32> checked = network.apply(tf.concat(List.of(boundary, counterfactual), tf.constant(0)));
        List<org.tensorflow.Output<TFloat32>> halves =
                tf.split(tf.constant(0), checked, 2L).output();
        return new CheckedExplanation(
                boundary,
                counterfactual,
                tf.withName("boundary_logits").identity(halves.get(0)),
                tf.withName("counterfactual_logits").identity(halves.get(1)));
    }
}
