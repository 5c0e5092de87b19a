package io.otnn.explain.testing;

import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.ModelMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.ReduceMax;
import org.tensorflow.op.core.ReduceMin;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Builds real checkpoints (TF Java SavedModel with the three signatures of docs/checkpoint-format.md, otnn-model.json
 * and MANIFEST.sha256) from a {@link FixtureModel}, the way the trainer exports them. Test scope only; published in
 * explain-core's test-jar for stream-explainer.
 *
 * <p>The gradients are built with {@code Graph.addGradients(y = logits, dx = seed)}: seeding the back-propagation of
 * the logits with one-hot rows (top-1, top-1 minus top-2, pred minus target) gives ∇ f_k per image without any
 * gradient through argmax.
 */
public final class CheckpointFixtures {

    private CheckpointFixtures() {}

    public static List<String> classNames(int k) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < k; i++) names.add("class-" + i);
        return names;
    }

    /** Metadata for a fixture: multiclass with K = model outputs, or binary when the model has one output. */
    public static ModelMetadata metadata(String name, FixtureModel model, ModelMetadata.Input input, double lipschitz) {
        boolean binary = model.outputSize() == 1;
        var arch = ModelMetadata.object()
                .put("preset", "fixture")
                .put("constrained", true)
                .put("activation", model.activation().name());
        return new ModelMetadata(
                ModelMetadata.FORMAT_VERSION,
                name,
                1,
                Instant.parse("2026-11-23T16:00:00Z"),
                binary ? ModelMetadata.Task.BINARY : ModelMetadata.Task.MULTICLASS,
                binary ? List.of("negative", "positive") : classNames(model.outputSize()),
                input,
                lipschitz,
                binary ? 1.0 : Math.sqrt(2.0),
                arch,
                null,
                null,
                null,
                null);
    }

    /** Exports {@code model} with {@code metadata} into {@code dir} (created) and writes the manifest. */
    public static Path export(Path dir, FixtureModel model, ModelMetadata metadata) throws IOException {
        Files.createDirectories(dir);
        ModelMetadata.Input in = metadata.input();
        int size = in.size();
        if (size != model.inputSize()) throw new IllegalArgumentException("model takes " + model.inputSize());
        int k = model.outputSize();
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> images = tf.withName("images")
                    .placeholder(
                            TFloat32.class, Placeholder.shape(Shape.of(-1, in.height(), in.width(), in.channels())));
            Placeholder<TInt32> target =
                    tf.withName("target").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            Operand<TFloat32> h = tf.reshape(images, tf.constant(new long[] {-1, size}));
            for (int l = 0; l < model.weights().size(); l++) {
                Operand<TFloat32> w = tf.variable(tf.constant(model.weights().get(l)));
                Operand<TFloat32> b = tf.variable(tf.constant(model.biases().get(l)));
                h = tf.math.add(tf.linalg.matMul(h, w), b);
                if (l < model.weights().size() - 1)
                    h = activation(tf, h, model.activation(), model.weights().get(l)[0].length);
            }
            Operand<TFloat32> logits = tf.withName("logits").identity(h);

            Operand<TFloat32> seedTop1;
            Operand<TFloat32> seedMargin;
            Operand<TFloat32> seedTo;
            if (k == 1) {
                seedTop1 = tf.onesLike(logits);
                seedMargin = seedTop1;
                seedTo = seedTop1;
            } else {
                var top = tf.nn.topK(logits, tf.constant(2));
                Operand<TInt32> first = tf.gather(top.indices(), tf.constant(0), tf.constant(1));
                Operand<TInt32> second = tf.gather(top.indices(), tf.constant(1), tf.constant(1));
                seedTop1 = oneHot(tf, first, k);
                seedMargin = tf.math.sub(seedTop1, oneHot(tf, second, k));
                seedTo = tf.math.sub(seedTop1, oneHot(tf, target, k));
            }
            Output<?> gradTop1 = graph.addGradients(
                            "grad_top1",
                            new Output<?>[] {logits.asOutput()},
                            new Output<?>[] {images.asOutput()},
                            new Output<?>[] {seedTop1.asOutput()})[0];
            Output<?> gradMargin = graph.addGradients(
                            "grad_margin",
                            new Output<?>[] {logits.asOutput()},
                            new Output<?>[] {images.asOutput()},
                            new Output<?>[] {seedMargin.asOutput()})[0];
            Output<?> gradTo = graph.addGradients(
                            "grad_to",
                            new Output<?>[] {logits.asOutput()},
                            new Output<?>[] {images.asOutput()},
                            new Output<?>[] {seedTo.asOutput()})[0];

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
            Signature.Builder explainToBuilder = Signature.builder()
                    .key("explain_to")
                    .input("images", images)
                    .input("target", target)
                    .output("logits", logits)
                    .output("grad_top1", gradTop1)
                    .output("grad_margin", gradTo);
            try (Session session = new Session(graph)) {
                session.initialize();
                SavedModelBundle.exporter(dir.toString())
                        .withSession(session)
                        .withSignatures(serving, explain, explainToBuilder.build())
                        .export();
            }
        }
        metadata.write(dir.resolve(ModelMetadata.FILE_NAME));
        CheckpointManifest.write(dir);
        return dir;
    }

    private static Operand<TFloat32> oneHot(Ops tf, Operand<TInt32> index, int k) {
        return tf.oneHot(index, tf.constant(k), tf.constant(1f), tf.constant(0f));
    }

    private static Operand<TFloat32> activation(Ops tf, Operand<TFloat32> h, FixtureModel.Activation act, int width) {
        if (act == FixtureModel.Activation.ABS) return tf.math.abs(h);
        Operand<TFloat32> pairs = tf.reshape(h, tf.constant(new long[] {-1, width / 2, 2}));
        Operand<TFloat32> lo = tf.reduceMin(pairs, tf.constant(2), ReduceMin.keepDims(true));
        Operand<TFloat32> hi = tf.reduceMax(pairs, tf.constant(2), ReduceMax.keepDims(true));
        return tf.reshape(tf.concat(List.of(lo, hi), tf.constant(2)), tf.constant(new long[] {-1, width}));
    }
}
