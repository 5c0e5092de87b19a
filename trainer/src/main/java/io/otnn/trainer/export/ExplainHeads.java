package io.otnn.trainer.export;

import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The input gradients of the {@code explain} and {@code explain_to} signatures, built into the graph with
 * {@link Graph#addGradients} (the inference engine cannot differentiate). Class masks are wrapped in
 * {@code StopGradient}, so each gradient is that of one logit (or one logit difference) per sample.
 */
public record ExplainHeads(Operand<TFloat32> gradTop1, Operand<TFloat32> gradMargin) {

    /**
     * {@code grad_top1} = ∇ₓ f_top1 and {@code grad_margin} = ∇ₓ (f_top1 − f_other), where other is the runner-up
     * when {@code target} is null and the requested class otherwise. With one logit both are ∇ₓ f.
     */
    @SuppressWarnings("unchecked")
    public static ExplainHeads build(
            Graph graph, Ops tf, Operand<TFloat32> images, Operand<TFloat32> logits, int k, Operand<TInt32> target) {
        if (k == 1) {
            Operand<TFloat32> g = gradient(graph, tf, tf.reduceSum(logits, tf.constant(new int[] {0, 1})), images);
            return new ExplainHeads(g, tf.identity(g));
        }
        var top = tf.nn.topK(logits, tf.constant(2));
        Operand<TInt32> indices = top.indices();
        Operand<TInt32> first = tf.squeeze(
                tf.slice(indices, tf.constant(new int[] {0, 0}), tf.constant(new int[] {-1, 1})),
                org.tensorflow.op.core.Squeeze.axis(java.util.List.of(1L)));
        Operand<TInt32> other = target != null
                ? target
                : tf.squeeze(
                        tf.slice(indices, tf.constant(new int[] {0, 1}), tf.constant(new int[] {-1, 1})),
                        org.tensorflow.op.core.Squeeze.axis(java.util.List.of(1L)));
        Operand<TFloat32> oneFirst = tf.oneHot(first, tf.constant(k), tf.constant(1f), tf.constant(0f));
        Operand<TFloat32> oneOther = tf.oneHot(other, tf.constant(k), tf.constant(1f), tf.constant(0f));
        Operand<TFloat32> top1 =
                tf.reduceSum(tf.math.mul(logits, tf.stopGradient(oneFirst)), tf.constant(new int[] {0, 1}));
        Operand<TFloat32> margin = tf.reduceSum(
                tf.math.mul(logits, tf.stopGradient(tf.math.sub(oneFirst, oneOther))), tf.constant(new int[] {0, 1}));
        return new ExplainHeads(gradient(graph, tf, top1, images), gradient(graph, tf, margin, images));
    }

    /**
     * Grad-CAM (the {@code gradcam} signature's {@code cam}): ReLU(Σ_k α_k A_k) with α_k the spatial mean of
     * ∂f_target/∂A_k, for {@code activations} A {@code [N, h, w, C]}, bilinearly resized (half-pixel centres, as
     * TF2's {@code tf.image.resize}) to {@code height × width}: {@code [N, height, width]}, not normalised. The class
     * score is f_target (K = 1: f for target 1, −f for target 0).
     */
    public static Operand<TFloat32> gradCam(
            Graph graph,
            Ops tf,
            Operand<TFloat32> activations,
            Operand<TFloat32> logits,
            int k,
            Operand<TInt32> target,
            long height,
            long width) {
        Operand<TFloat32> score;
        if (k == 1) {
            Operand<TFloat32> sign =
                    tf.math.sub(tf.math.mul(tf.constant(2f), tf.dtypes.cast(target, TFloat32.class)), tf.constant(1f));
            score = tf.reduceSum(
                    tf.math.mul(logits, tf.stopGradient(tf.expandDims(sign, tf.constant(1)))),
                    tf.constant(new int[] {0, 1}));
        } else {
            Operand<TFloat32> one = tf.oneHot(target, tf.constant(k), tf.constant(1f), tf.constant(0f));
            score = tf.reduceSum(tf.math.mul(logits, tf.stopGradient(one)), tf.constant(new int[] {0, 1}));
        }
        Operand<TFloat32> g = gradient(graph, tf, score, activations);
        Operand<TFloat32> alpha =
                tf.math.mean(g, tf.constant(new int[] {1, 2}), org.tensorflow.op.math.Mean.keepDims(true));
        Operand<TFloat32> weighted = tf.nn.relu(tf.reduceSum(
                tf.math.mul(alpha, activations),
                tf.constant(new int[] {3}),
                org.tensorflow.op.core.ReduceSum.keepDims(true)));
        Operand<TFloat32> resized = tf.image.resizeBilinear(
                weighted,
                tf.constant(new int[] {(int) height, (int) width}),
                org.tensorflow.op.image.ResizeBilinear.halfPixelCenters(true));
        return tf.squeeze(resized, org.tensorflow.op.core.Squeeze.axis(java.util.List.of(3L)));
    }

    @SuppressWarnings("unchecked")
    private static Operand<TFloat32> gradient(Graph graph, Ops tf, Operand<TFloat32> y, Operand<TFloat32> x) {
        Output<?>[] g = graph.addGradients(y.asOutput(), new Output<?>[] {x.asOutput()});
        return tf.identity((Output<TFloat32>) g[0]);
    }
}
