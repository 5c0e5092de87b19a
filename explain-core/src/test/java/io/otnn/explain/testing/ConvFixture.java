package io.otnn.explain.testing;

import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.ModelMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A tiny convolutional checkpoint with the optional {@code gradcam} signature of docs/checkpoint-format.md: one 3×3
 * SAME convolution with {@code F} filters and ReLU (the last convolutional block, A), then a dense head on flattened A.
 * Its plain-Java Grad-CAM ({@link #gradCam}) is the independent computation: the head is linear in A, so ∂f_c/∂A is
 * the head's column c and α_k its spatial mean.
 */
public final class ConvFixture {

    public static final int H = 6;
    public static final int W = 5;
    public static final int F = 3;
    public static final int K = 4;

    /** kernel[dy][dx][f] (one input channel), bias[f], head[(y·W + x)·F + f][k], headBias[k]. */
    public final float[][][] kernel = new float[3][3][F];

    public final float[] bias = new float[F];
    public final float[][] head = new float[H * W * F][K];
    public final float[] headBias = new float[K];

    public ConvFixture(long seed) {
        Random r = new Random(seed);
        for (float[][] row : kernel) for (float[] v : row) for (int f = 0; f < F; f++) v[f] = (float) r.nextGaussian();
        for (int f = 0; f < F; f++) bias[f] = (float) (0.1 * r.nextGaussian());
        for (float[] row : head) for (int k = 0; k < K; k++) row[k] = (float) (0.3 * r.nextGaussian());
        for (int k = 0; k < K; k++) headBias[k] = (float) (0.1 * r.nextGaussian());
    }

    public static ModelMetadata.Input input() {
        return ModelMetadata.Input.unitRange(H, W, 1);
    }

    /** A = ReLU(conv(x)) as {@code [(y·W + x)·F + f]}. */
    public double[] activations(float[] image) {
        double[] a = new double[H * W * F];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                for (int f = 0; f < F; f++) {
                    double s = bias[f];
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int yy = y + dy;
                            int xx = x + dx;
                            if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                            s += kernel[dy + 1][dx + 1][f] * image[yy * W + xx];
                        }
                    }
                    a[(y * W + x) * F + f] = Math.max(0, s);
                }
            }
        }
        return a;
    }

    public double[] logits(float[] image) {
        double[] a = activations(image);
        double[] out = new double[K];
        for (int k = 0; k < K; k++) {
            double s = headBias[k];
            for (int i = 0; i < a.length; i++) s += a[i] * head[i][k];
            out[k] = s;
        }
        return out;
    }

    /** Grad-CAM of class c in plain Java: ReLU(Σ_f α_f A_f), α_f = mean over pixels of head[(p, f)][c]. */
    public double[] gradCam(float[] image, int c) {
        double[] a = activations(image);
        double[] alpha = new double[F];
        for (int p = 0; p < H * W; p++) for (int f = 0; f < F; f++) alpha[f] += head[p * F + f][c] / (H * W);
        double[] cam = new double[H * W];
        for (int p = 0; p < H * W; p++) {
            double s = 0;
            for (int f = 0; f < F; f++) s += alpha[f] * a[p * F + f];
            cam[p] = Math.max(0, s);
        }
        return cam;
    }

    /** Exports the checkpoint (the three required signatures and {@code gradcam}) into {@code dir}. */
    public Path export(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> images =
                    tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, H, W, 1)));
            Placeholder<TInt32> target =
                    tf.withName("target").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            float[][][][] k4 = new float[3][3][1][F];
            for (int dy = 0; dy < 3; dy++) for (int dx = 0; dx < 3; dx++) k4[dy][dx][0] = kernel[dy][dx].clone();
            Operand<TFloat32> conv =
                    tf.nn.conv2d(images, tf.variable(tf.constant(k4)), List.of(1L, 1L, 1L, 1L), "SAME");
            Operand<TFloat32> a = tf.nn.relu(tf.math.add(conv, tf.variable(tf.constant(bias))));
            Operand<TFloat32> flat = tf.reshape(a, tf.constant(new long[] {-1, H * W * F}));
            Operand<TFloat32> logits = tf.withName("logits")
                    .identity(tf.math.add(
                            tf.linalg.matMul(flat, tf.variable(tf.constant(head))),
                            tf.variable(tf.constant(headBias))));
            var top = tf.nn.topK(logits, tf.constant(2));
            Operand<TFloat32> first = oneHot(tf, tf.gather(top.indices(), tf.constant(0), tf.constant(1)));
            Operand<TFloat32> second = oneHot(tf, tf.gather(top.indices(), tf.constant(1), tf.constant(1)));
            Operand<TFloat32> toTarget = oneHot(tf, target);
            Output<?> gradTop1 = gradient(graph, "g_top1", logits, images, first);
            Output<?> gradMargin = gradient(graph, "g_margin", logits, images, tf.math.sub(first, second));
            Output<?> gradTo = gradient(graph, "g_to", logits, images, tf.math.sub(first, toTarget));
            @SuppressWarnings("unchecked")
            Operand<TFloat32> dA = (Operand<TFloat32>) gradient(graph, "g_cam", logits, a, toTarget);
            Operand<TFloat32> alpha = tf.math.mean(dA, tf.constant(new int[] {1, 2}), Mean.keepDims(true));
            Operand<TFloat32> cam = tf.withName("cam")
                    .nn
                    .relu(tf.reduceSum(tf.math.mul(a, alpha), tf.constant(3), ReduceSum.keepDims(false)));

            Signature serving = Signature.builder()
                    .key(Signature.DEFAULT_KEY)
                    .input("images", images)
                    .output("logits", logits)
                    .build();
            Signature explain = Signature.builder()
                    .key("explain")
                    .input("images", images)
                    .output("logits", logits)
                    .output("grad_top1", gradTop1)
                    .output("grad_margin", gradMargin)
                    .build();
            Signature explainTo = Signature.builder()
                    .key("explain_to")
                    .input("images", images)
                    .input("target", target)
                    .output("logits", logits)
                    .output("grad_top1", gradTop1)
                    .output("grad_margin", gradTo)
                    .build();
            Signature gradcam = Signature.builder()
                    .key("gradcam")
                    .input("images", images)
                    .input("target", target)
                    .output("logits", logits)
                    .output("cam", cam)
                    .build();
            try (Session session = new Session(graph)) {
                session.initialize();
                SavedModelBundle.exporter(dir.toString())
                        .withSession(session)
                        .withSignatures(serving, explain, explainTo, gradcam)
                        .export();
            }
        }
        var arch = ModelMetadata.object().put("preset", "conv-fixture").put("constrained", false);
        new ModelMetadata(
                        ModelMetadata.FORMAT_VERSION,
                        "fixture-conv",
                        1,
                        Instant.parse("2026-12-01T16:00:00Z"),
                        ModelMetadata.Task.MULTICLASS,
                        CheckpointFixtures.classNames(K),
                        input(),
                        1.0,
                        Math.sqrt(2.0),
                        arch,
                        null,
                        null,
                        null,
                        null)
                .write(dir.resolve(ModelMetadata.FILE_NAME));
        CheckpointManifest.write(dir);
        return dir;
    }

    private static Output<?> gradient(
            Graph graph, String name, Operand<TFloat32> y, Operand<TFloat32> x, Operand<TFloat32> seed) {
        return graph.addGradients(
                        name, new Output<?>[] {y.asOutput()}, new Output<?>[] {x.asOutput()}, new Output<?>[] {
                            seed.asOutput()
                        })[0];
    }

    private static Operand<TFloat32> oneHot(Ops tf, Operand<TInt32> index) {
        return tf.oneHot(index, tf.constant(K), tf.constant(1f), tf.constant(0f));
    }
}
