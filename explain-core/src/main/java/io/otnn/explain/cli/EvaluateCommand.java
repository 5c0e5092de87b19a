package io.otnn.explain.cli;

import io.otnn.explain.Explainer;
import io.otnn.explain.OtnnModel;
import io.otnn.datasets.BlockMnist;
import io.otnn.datasets.IdxDataset;
import io.otnn.explain.input.ImageDecoder;
import io.otnn.explain.metrics.Evaluation;
import io.otnn.explain.metrics.EvaluationTable;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code otnn evaluate}: the explanation-quality table (paper Table 1 layout) of one or more models on the first n test
 * images of an IDX data set, printed and written as Markdown and JSON.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Explanation-quality metrics of attribution methods, models side by side.")
public final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, arity = "1..*", description = "Checkpoint directories or archives.")
    List<Path> models;

    @Option(names = "--data", defaultValue = "fashion-mnist", description = "fashion-mnist, mnist (IDX test set) or block-mnist (built from the MNIST test set).")
    String data;

    @Option(names = "--data-dir", required = true, description = "Folder with t10k-images-idx3-ubyte[.gz] and labels.")
    Path dataDir;

    @Option(names = "--n", defaultValue = "1000", description = "Number of test images (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of every random draw (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--stability-ball", defaultValue = "L2",
            description = "Stability neighbourhood: L2 (paper, radius 0.3) or LINF (each pixel ±0.3) (default: ${DEFAULT-VALUE}).")
    io.otnn.explain.metrics.Stability.Ball stabilityBall;

    @Option(names = "--stability-radius", defaultValue = "0.3", description = "Stability radius (default: ${DEFAULT-VALUE}).")
    double stabilityRadius;

    @Option(names = "--out", required = true, description = "Output directory for evaluation.md and evaluation.json.")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!data.equals("fashion-mnist") && !data.equals("mnist") && !data.equals("block-mnist")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "evaluate: --data must be fashion-mnist, mnist or block-mnist, got " + data);
        }
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        EvaluationTable table = new EvaluationTable();
        Evaluation.Options options = new Evaluation.Options(seed, 200, 20, stabilityRadius, 10, 32,
                stabilityBall);
        table.info("data", data);
        table.info("n", n);
        table.info("seed", seed);
        table.info("options", options.toString());
        for (Path path : models) {
            try (OtnnModel model = OtnnModel.load(path); Explainer explainer = model.newExplainer()) {
                String name = model.metadata().name();
                var methods = Evaluation.defaultMethods(seed);
                if (data.equals("block-mnist")) {
                    // MNIST test digits are 28×28 while the model takes 56×28: decode them with a 28×28 view
                    var in = model.metadata().input();
                    var digitInput = new io.otnn.checkpoint.ModelMetadata.Input(List.of(28, 28, 1), in.min(),
                            in.max(), in.rawScale(), in.rawOffset());
                    IdxDataset mnist = IdxDataset.readTestSet(dataDir,
                            new ImageDecoder(digitInput, ImageDecoder.DEFAULT_MAX_BYTES), 0);
                    BlockMnist block = BlockMnist.fromMnist(mnist, in.max(), seed, n);
                    int total = methods.size() * block.images().length;
                    long started = System.nanoTime();
                    Evaluation.nullBlock(name, explainer, block.images(), block.nullBlock(), methods, 32, table,
                            done -> progress(stderr, name, done, total, started));
                    stderr.println();
                    continue;
                }
                IdxDataset set = IdxDataset.readTestSet(dataDir, new ImageDecoder(model.metadata()), n);
                int total = methods.size() * set.images().length;
                long started = System.nanoTime();
                Evaluation.run(name, explainer, set.images(), set.labels(), methods, options, table,
                        done -> progress(stderr, name, done, total, started));
                stderr.println();
            }
        }
        String markdown = table.toMarkdown();
        stdout.print(markdown);
        stdout.flush();
        Files.createDirectories(out);
        Files.writeString(out.resolve("evaluation.md"), markdown);
        Files.writeString(out.resolve("evaluation.json"), table.toJson());
        return 0;
    }

    private static void progress(PrintWriter err, String label, int done, int total, long started) {
        int width = 30;
        int filled = (int) ((long) width * done / total);
        double seconds = (System.nanoTime() - started) / 1e9;
        err.printf("\r%-40s [%s%s] %d/%d %.0fs", label, "#".repeat(filled), " ".repeat(width - filled), done, total,
                seconds);
        err.flush();
    }
}
