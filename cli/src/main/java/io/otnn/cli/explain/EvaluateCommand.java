package io.otnn.cli.explain;

import io.otnn.explain.metrics.EvaluationTable;
import io.otnn.explain.metrics.ModelComparison;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code otnn evaluate}: the explanation-quality table (paper Table 1 layout) of one or more models on the first n test
 * images of an IDX data set, printed and written as Markdown and JSON.
 */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        description = "Explanation-quality metrics of attribution methods, models side by side.")
public final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, arity = "1..*", description = "Checkpoint directories or archives.")
    List<Path> models;

    @Option(
            names = "--data",
            defaultValue = "fashion-mnist",
            description = "fashion-mnist, mnist (IDX test set) or block-mnist (built from the MNIST test set).")
    String data;

    @Option(names = "--data-dir", required = true, description = "Folder with t10k-images-idx3-ubyte[.gz] and labels.")
    Path dataDir;

    @Option(names = "--n", defaultValue = "1000", description = "Number of test images (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of every random draw (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--stability-ball",
            defaultValue = "L2",
            description =
                    "Stability neighbourhood: L2 (paper, radius 0.3) or LINF (each pixel ±0.3) (default: ${DEFAULT-VALUE}).")
    io.otnn.explain.metrics.Stability.Ball stabilityBall;

    @Option(
            names = "--stability-radius",
            defaultValue = "0.3",
            description = "Stability radius (default: ${DEFAULT-VALUE}).")
    double stabilityRadius;

    @Option(names = "--out", required = true, description = "Output directory for evaluation.md and evaluation.json.")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!data.equals("fashion-mnist") && !data.equals("mnist") && !data.equals("block-mnist")) {
            throw new ParameterException(
                    spec.commandLine(), "evaluate: --data must be fashion-mnist, mnist or block-mnist, got " + data);
        }
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        ModelComparison comparison = new ModelComparison(data, dataDir, n, seed, stabilityBall, stabilityRadius);
        EvaluationTable table = comparison.evaluate(models, new ModelComparison.Progress() {
            @Override
            public void update(String model, int done, int total, long startedNanos) {
                progress(stderr, model, done, total, startedNanos);
            }

            @Override
            public void modelDone(String model) {
                stderr.println();
            }
        });
        stdout.print(table.toMarkdown());
        stdout.flush();
        ModelComparison.write(table, out);
        return 0;
    }

    private static void progress(PrintWriter err, String label, int done, int total, long started) {
        int width = 30;
        int filled = (int) ((long) width * done / total);
        double seconds = (System.nanoTime() - started) / 1e9;
        err.printf(
                "\r%-40s [%s%s] %d/%d %.0fs",
                label, "#".repeat(filled), " ".repeat(width - filled), done, total, seconds);
        err.flush();
    }
}
