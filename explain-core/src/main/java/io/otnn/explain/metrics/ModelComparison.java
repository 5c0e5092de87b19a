package io.otnn.explain.metrics;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.datasets.BlockMnist;
import io.otnn.datasets.IdxDataset;
import io.otnn.explain.Explainer;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.input.ImageDecoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The explanation-quality tables (paper Tables 1, 8, 9, 10; Table 11 for block-mnist) of one or more models side by
 * side, on the first n test images of an IDX data set: what {@code otnn evaluate} computes and writes.
 *
 * @param data    fashion-mnist, mnist (the IDX test set) or block-mnist (built from the MNIST test set)
 * @param dataDir the folder with t10k-images-idx3-ubyte[.gz] and its labels
 * @param n       the number of test images
 * @param options the metrics' definitions and seed ({@link Evaluation.Options#paperDefaults(long)})
 */
public record ModelComparison(String data, Path dataDir, int n, Evaluation.Options options) {

    public static final List<String> DATA_SETS = List.of("fashion-mnist", "mnist", "block-mnist");

    /** Receives the progress of one model: (method, image) pairs done out of total, since {@code startedNanos}. */
    public interface Progress {
        Progress NONE = (model, done, total, startedNanos) -> {};

        void update(String model, int done, int total, long startedNanos);

        /** Called once a model is finished. */
        default void modelDone(String model) {}

        /**
         * Called after each finished part of a model's evaluation (at the next progress step), with its seconds and
         * the process's CPU seconds (NaN when unknown), so that a run stopped early still tells where its time went.
         */
        default void partDone(String model, String part, double seconds, double cpuSeconds) {}
    }

    public ModelComparison {
        if (!DATA_SETS.contains(data)) {
            throw new IllegalArgumentException(
                    "unknown data set '" + data + "', valid: " + String.join(", ", DATA_SETS));
        }
        if (n < 1) throw new IllegalArgumentException("n must be >= 1, got " + n);
    }

    /** The paper's definitions ({@link Evaluation.Options#paperDefaults(long)}) with {@code seed}. */
    public ModelComparison(String data, Path dataDir, int n, long seed) {
        this(data, dataDir, n, Evaluation.Options.paperDefaults(seed));
    }

    /**
     * The paper's definitions with another Stability neighbourhood: {@code ball} and {@code radius}, 20 neighbours for
     * {@link Stability.Ball#UNIFORM} (Xplique), 10 otherwise (this product's earlier definition).
     */
    public ModelComparison(String data, Path dataDir, int n, long seed, Stability.Ball ball, double radius) {
        this(
                data,
                dataDir,
                n,
                Evaluation.Options.paperDefaults(seed)
                        .withStability(
                                ball == Stability.Ball.UNIFORM
                                        ? new Stability.Definition(
                                                Stability.Definition.XPLIQUE.name(), ball, radius, 20)
                                        : new Stability.Definition(
                                                ball == Stability.Ball.L2 ? "l2-ball" : "linf-ball",
                                                ball,
                                                radius,
                                                10)));
    }

    public long seed() {
        return options.seed();
    }

    /** Evaluates every model in turn (each loaded, evaluated and closed before the next). */
    public EvaluationTable evaluate(List<Path> models, Progress progress) throws IOException {
        EvaluationTable table = new EvaluationTable();
        long seed = options.seed();
        table.info("data", data);
        table.info("n", n);
        table.info("seed", seed);
        table.info("options", options.toString());
        table.info("definitions", Definitions.of(options));
        for (Path path : models) {
            try (OtnnModel model = OtnnModel.load(path);
                    Explainer explainer = model.newExplainer()) {
                String name = model.metadata().name();
                var methods = Evaluation.defaultMethods(seed, options.riseMasks());
                long started = System.nanoTime();
                if (data.equals("block-mnist")) {
                    // MNIST test digits are 28×28 while the model takes 56×28: decode them with a 28×28 view
                    var in = model.metadata().input();
                    var digitInput = new ModelMetadata.Input(
                            List.of(28, 28, 1), in.min(), in.max(), in.rawScale(), in.rawOffset());
                    IdxDataset mnist = IdxDataset.readTestSet(
                            dataDir, new ImageDecoder(digitInput, ImageDecoder.DEFAULT_MAX_BYTES), 0);
                    BlockMnist block = BlockMnist.fromMnist(mnist, in.max(), seed, n);
                    int total = methods.size() * block.images().length;
                    Evaluation.nullBlock(
                            name,
                            explainer,
                            block.images(),
                            block.nullBlock(),
                            methods,
                            32,
                            table,
                            done -> progress.update(name, done, total, started));
                } else {
                    IdxDataset set = IdxDataset.readTestSet(dataDir, new ImageDecoder(model.metadata()), n);
                    int total = Evaluation.progressSteps(methods);
                    java.util.Set<String> reported = new java.util.HashSet<>();
                    Evaluation.run(name, explainer, set.images(), set.labels(), methods, options, table, done -> {
                        reportParts(table, name, reported, progress);
                        progress.update(name, done, total, started);
                    });
                    reportParts(table, name, reported, progress);
                }
                progress.modelDone(name);
            }
        }
        return table;
    }

    private static void reportParts(
            EvaluationTable table, String model, java.util.Set<String> reported, Progress progress) {
        java.util.Map<String, Double> cpu = table.cpuSeconds().getOrDefault(model, java.util.Map.of());
        table.seconds().getOrDefault(model, java.util.Map.of()).forEach((part, s) -> {
            if (reported.add(part)) progress.partDone(model, part, s, cpu.getOrDefault(part, Double.NaN));
        });
    }

    /**
     * Writes into {@code out} (created if missing) {@code evaluation.md}: {@link #markdown} (the figures, the
     * definitions, the seconds), and {@code evaluation.json}: {@link EvaluationTable#toJsonWithSeconds}.
     */
    public static void write(EvaluationTable table, Path out) throws IOException {
        Files.createDirectories(out);
        Files.writeString(out.resolve("evaluation.md"), markdown(table));
        Files.writeString(out.resolve("evaluation.json"), table.toJsonWithSeconds());
    }

    /** The figures (one table per metric), the definition of each metric's tag, then the seconds. */
    public static String markdown(EvaluationTable table) {
        StringBuilder out = new StringBuilder(table.toMarkdown());
        Object definitions = table.info().get("definitions");
        if (definitions instanceof java.util.Map<?, ?> map && !map.isEmpty()) {
            out.append("### definitions\n\n");
            map.forEach((tag, text) ->
                    out.append("- **").append(tag).append("**: ").append(text).append('\n'));
            out.append('\n');
        }
        return out.append(table.timingsMarkdown()).toString();
    }
}
