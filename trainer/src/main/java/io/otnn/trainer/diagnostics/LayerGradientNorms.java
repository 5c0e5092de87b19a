package io.otnn.trainer.diagnostics;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.data.DataSources;
import io.otnn.trainer.data.Dataset;
import io.otnn.trainer.layers.Layer;
import io.otnn.trainer.layers.Param;
import io.otnn.trainer.losses.LossSpec;
import io.otnn.trainer.model.Architecture;
import io.otnn.trainer.model.Presets;
import io.otnn.trainer.train.TrainingGraph;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * How much each layer of a checkpoint preserves the norm of the back-propagated gradient of its top-1 logit: for every
 * test image, g_l = ∂f_top1/∂h_l at the output h_l of layer l (g_{−1} = ∇ₓ f), and layer l's ratio
 * ‖g_{l−1}‖ / ‖g_l‖ = ‖J_lᵀ g_l‖ / ‖g_l‖ for the actual back-propagated g_l. A gradient-norm-preserving layer has ratio
 * 1; the product of the ratios is ‖∇ₓ f_top1‖ / ‖∂f_top1/∂(logits)‖ = ‖∇ₓ f_top1‖. The network is rebuilt from the
 * checkpoint's preset and frozen weights (the SavedModel's variables {@code layer<i>/w<p>}).
 */
public final class LayerGradientNorms {

    /** One layer: mean ‖∂f/∂h_l‖ over the images, and min / mean / max of its ratio. */
    public record Row(int index, String layer, long[] outputShape, double meanGradientNorm, double[] ratio) {}

    /** The rows of every layer, and ‖∇ₓ f_top1‖ (min, mean, max) over the same images. */
    public record Profile(List<Row> rows, double[] inputGradientNorm, int images) {

        /** A Markdown table of the rows, with the input gradient's norm below. */
        public String toMarkdown() {
            StringBuilder b = new StringBuilder();
            b.append("| # | layer | output | mean ‖∂f/∂h_l‖ | ratio ‖g_{l−1}‖/‖g_l‖ min / mean / max |\n");
            b.append("| --- | --- | --- | --- | --- |\n");
            for (Row r : rows) {
                b.append(String.format(
                        Locale.ROOT,
                        "| %d | %s | %s | %.4f | %.4f / %.4f / %.4f |%n",
                        r.index(),
                        r.layer(),
                        Arrays.toString(r.outputShape()),
                        r.meanGradientNorm(),
                        r.ratio()[0],
                        r.ratio()[1],
                        r.ratio()[2]));
            }
            b.append(String.format(
                    Locale.ROOT,
                    "%n‖∇ₓ f_top1‖ over %d test images: min %.4f, mean %.4f, max %.4f%n",
                    images,
                    inputGradientNorm[0],
                    inputGradientNorm[1],
                    inputGradientNorm[2]));
            return b.toString();
        }
    }

    private static final int BATCH = 100;

    private LayerGradientNorms() {}

    /** Measures the checkpoint at {@code dir} on the first images of {@code test}. */
    public static Profile measure(Path dir, Dataset test) {
        FrozenCheckpoint checkpoint = FrozenCheckpoint.read(dir);
        return profile(
                checkpoint.architecture(), checkpoint.inputShape(), checkpoint.logits(), test, checkpoint::parameter);
    }

    /**
     * Measures the untrained constrained network of {@code preset} that a training with {@code seed} starts from (its
     * initial weights, condensed as for an export), on the images of {@code test}.
     */
    public static Profile untrained(String preset, double width, long seed, Dataset test) {
        int k = test.logits();
        List<List<Param>> params;
        try (TrainingGraph graph = new TrainingGraph(
                Presets.create(preset, true, width, k), test.shape(), k, LossSpec.of(LossSpec.Kind.HKR_SOFT), seed)) {
            graph.condense();
            params = graph.frozenParameters();
        }
        return profile(
                Presets.create(preset, true, width, k),
                test.shape(),
                k,
                test,
                (layer, p) -> params.get(layer).get(p));
    }

    /** The frozen parameter {@code p} of layer {@code layer}. */
    private interface Parameters {
        Param get(int layer, int p);
    }

    @SuppressWarnings("unchecked")
    private static Profile profile(Architecture arch, long[] inputShape, int k, Dataset test, Parameters frozen) {
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> images = tf.placeholder(
                    TFloat32.class, Placeholder.shape(Shape.of(-1, inputShape[0], inputShape[1], inputShape[2])));
            List<Operand<TFloat32>> outputs = new ArrayList<>();
            List<long[]> shapes = new ArrayList<>();
            long[] shape = inputShape;
            Operand<TFloat32> x = images;
            Random unused = new Random(0);
            List<Layer> layers = arch.layers();
            for (int i = 0; i < layers.size(); i++) {
                Ops scope = tf.withSubScope("layer" + i);
                shape = layers.get(i).build(scope, shape, unused);
                List<Operand<TFloat32>> params = new ArrayList<>();
                for (int p = 0; p < layers.get(i).inferenceParameters().size(); p++) {
                    Param value = frozen.get(i, p);
                    params.add(tf.constant(Shape.of(value.shape()), DataBuffers.of(value.values(), true, false)));
                }
                x = layers.get(i).infer(scope, x, params);
                outputs.add(x);
                shapes.add(shape.clone());
            }
            Operand<TFloat32> top = tf.stopGradient(tf.oneHot(
                    tf.math.argMax(x, tf.constant(1), org.tensorflow.types.TInt32.class),
                    tf.constant(k),
                    tf.constant(1f),
                    tf.constant(0f)));
            Operand<TFloat32> score = k == 1
                    ? tf.reduceSum(x, tf.constant(new int[] {0, 1}))
                    : tf.reduceSum(tf.math.mul(x, top), tf.constant(new int[] {0, 1}));
            Output<?>[] targets = new Output<?>[outputs.size() + 1];
            targets[0] = images.asOutput();
            for (int i = 0; i < outputs.size(); i++)
                targets[i + 1] = outputs.get(i).asOutput();
            Output<?>[] grads = graph.addGradients(score.asOutput(), targets);
            int n = test.size();
            int layersCount = layers.size();
            double[][] norms = new double[layersCount + 1][n];
            try (Session session = new Session(graph)) {
                for (int start = 0; start < n; start += BATCH) {
                    int m = Math.min(BATCH, n - start);
                    float[] batch =
                            Arrays.copyOfRange(test.images(), start * test.imageSize(), (start + m) * test.imageSize());
                    try (TFloat32 xt =
                            new Param(new long[] {m, inputShape[0], inputShape[1], inputShape[2]}, batch).toTensor()) {
                        Session.Runner r = session.runner().feed(images, xt);
                        for (Output<?> g : grads) r.fetch(g);
                        try (Result res = r.run()) {
                            for (int l = 0; l <= layersCount; l++) {
                                float[] g = Param.of((TFloat32) res.get(l)).values();
                                int per = g.length / m;
                                for (int i = 0; i < m; i++) {
                                    double s = 0;
                                    for (int j = i * per; j < (i + 1) * per; j++) s += (double) g[j] * g[j];
                                    norms[l][start + i] = Math.sqrt(s);
                                }
                            }
                        }
                    }
                }
            }
            List<Row> rows = new ArrayList<>();
            for (int l = 0; l < layersCount; l++) {
                double[] ratio = new double[n];
                for (int i = 0; i < n; i++) ratio[i] = norms[l][i] / Math.max(norms[l + 1][i], 1e-30);
                rows.add(new Row(l, layers.get(l).describe(), shapes.get(l), mean(norms[l + 1]), minMeanMax(ratio)));
            }
            return new Profile(rows, minMeanMax(norms[0]), n);
        }
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    static double[] minMeanMax(double[] v) {
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        return new double[] {min, mean(v), max};
    }

    /**
     * {@code LayerGradientNorms CHECKPOINT DATA_DIR [N]}: the profile of a checkpoint on the first N (default 1,000)
     * test images of its data set (the {@code training.dataset} of its metadata), as a Markdown table on stdout.
     * {@code LayerGradientNorms --untrained PRESET WIDTH DATA_DIR [N]}: the same for the untrained constrained network
     * of a preset (seed 42, the trainer's default) on Fashion-MNIST.
     */
    public static void main(String[] args) {
        boolean untrained = args.length > 0 && args[0].equals("--untrained");
        int base = untrained ? 4 : 2;
        if (args.length < base || args.length > base + 1) {
            System.err.println("usage: LayerGradientNorms CHECKPOINT DATA_DIR [N]\n"
                    + "       LayerGradientNorms --untrained PRESET WIDTH DATA_DIR [N]");
            System.exit(2);
        }
        int n = args.length == base + 1 ? Integer.parseInt(args[base]) : 1000;
        if (untrained) {
            TrainingConfig config = TrainingConfig.builder()
                    .setDataset("fashion-mnist")
                    .optDataDir(Path.of(args[3]))
                    .optTestLimit(n)
                    .setEpochs(1)
                    .setOut(Path.of("untrained"))
                    .build();
            Dataset test = DataSources.load(config).test();
            System.out.print(untrained(args[1], Double.parseDouble(args[2]), config.seed(), test)
                    .toMarkdown());
            return;
        }
        Path dir = Path.of(args[0]);
        ModelMetadata metadata = ModelMetadata.read(dir.resolve(ModelMetadata.FILE_NAME));
        TrainingConfig config = TrainingConfig.builder()
                .setDataset(metadata.training().get("dataset").asText())
                .optDataDir(Path.of(args[1]))
                .optTestLimit(n)
                .setEpochs(1)
                .setOut(dir)
                .build();
        Dataset test = DataSources.load(config).test();
        System.out.print(measure(dir, test).toMarkdown());
    }
}
