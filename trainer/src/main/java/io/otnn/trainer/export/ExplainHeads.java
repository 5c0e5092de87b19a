package io.otnn.trainer.export;

import io.otnn.trainer.layers.ExplicitGradient;
import io.otnn.trainer.layers.Layer;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The input gradients of the {@code explain} and {@code explain_to} signatures, built into the graph (the inference
 * engine cannot differentiate). A network of {@link ExplicitGradient} layers gets them from {@link #explicit}: one
 * backward pass written out, both heads at once. Any other network gets them from {@link #build}, through
 * {@link Graph#addGradients}, one backward pass per head, with the class masks wrapped in {@code StopGradient}, so
 * each gradient is that of one logit (or one logit difference) per sample.
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
        Classes c = classes(tf, logits, k, target);
        Operand<TFloat32> oneFirst = c.first();
        Operand<TFloat32> oneOther = c.other();
        Operand<TFloat32> top1 =
                tf.reduceSum(tf.math.mul(logits, tf.stopGradient(oneFirst)), tf.constant(new int[] {0, 1}));
        Operand<TFloat32> margin = tf.reduceSum(
                tf.math.mul(logits, tf.stopGradient(tf.math.sub(oneFirst, oneOther))), tf.constant(new int[] {0, 1}));
        return new ExplainHeads(gradient(graph, tf, top1, images), gradient(graph, tf, margin, images));
    }

    /** The forward pass of a network of {@link ExplicitGradient} layers, as the backward pass needs it. */
    public record ForwardPass(
            List<Layer> layers,
            List<Operand<TFloat32>> layerInputs,
            List<List<Operand<TFloat32>>> params,
            List<List<Operand<?>>> gradientParams) {}

    /** Whether every layer writes out its input gradient, so that {@link #explicit} applies. */
    public static boolean explicitlyDifferentiable(List<Layer> layers) {
        return !layers.isEmpty() && layers.stream().allMatch(l -> l instanceof ExplicitGradient);
    }

    /**
     * The heads of {@link #build} by one written-out backward pass: the cotangents of both heads at the logits (the
     * one-hot of the top-1 class, and that minus the one-hot of the other class) go back through the layers stacked
     * as two copies of the batch, so each matrix product serves both. With one logit both heads are ∇ₓ f.
     */
    public static ExplainHeads explicit(
            Ops tf, ForwardPass network, Operand<TFloat32> logits, int k, Operand<TInt32> target) {
        Operand<TFloat32> seed;
        int copies;
        if (k == 1) {
            seed = tf.onesLike(logits);
            copies = 1;
        } else {
            Classes c = classes(tf, logits, k, target);
            seed = tf.concat(List.of(c.first(), tf.math.sub(c.first(), c.other())), tf.constant(0));
            copies = 2;
        }
        Operand<TFloat32> cotangent = seed;
        for (int i = network.layers().size() - 1; i >= 0; i--) {
            cotangent = ((ExplicitGradient) network.layers().get(i))
                    .inputCotangent(
                            tf.withSubScope("backward" + i),
                            network.layerInputs().get(i),
                            cotangent,
                            copies,
                            network.params().get(i),
                            network.gradientParams().get(i));
        }
        if (copies == 1) return new ExplainHeads(tf.identity(cotangent), tf.identity(cotangent));
        var heads = tf.split(tf.constant(0), cotangent, 2L);
        return new ExplainHeads(
                tf.identity(heads.output().get(0)), tf.identity(heads.output().get(1)));
    }

    /** One-hot rows of each sample's top-1 class and of the other class of the margin ({@code [N, K]} each). */
    private record Classes(Operand<TFloat32> first, Operand<TFloat32> other) {}

    private static Classes classes(Ops tf, Operand<TFloat32> logits, int k, Operand<TInt32> target) {
        var top = tf.nn.topK(logits, tf.constant(2));
        Operand<TInt32> indices = top.indices();
        Operand<TInt32> first = tf.squeeze(
                tf.slice(indices, tf.constant(new int[] {0, 0}), tf.constant(new int[] {-1, 1})),
                org.tensorflow.op.core.Squeeze.axis(List.of(1L)));
        Operand<TInt32> other = target != null
                ? target
                : tf.squeeze(
                        tf.slice(indices, tf.constant(new int[] {0, 1}), tf.constant(new int[] {-1, 1})),
                        org.tensorflow.op.core.Squeeze.axis(List.of(1L)));
        return new Classes(
                tf.oneHot(first, tf.constant(k), tf.constant(1f), tf.constant(0f)),
                tf.oneHot(other, tf.constant(k), tf.constant(1f), tf.constant(0f)));
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
