package io.otnn.cli.explain;

import io.otnn.explain.metrics.Evaluation;
import io.otnn.explain.metrics.EvaluationTable;
import io.otnn.explain.metrics.ModelComparison;
import io.otnn.explain.metrics.MuFidelity;
import io.otnn.explain.metrics.Stability;
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
            defaultValue = "UNIFORM",
            description =
                    "Stability neighbours: UNIFORM (x + U[0, r]^d, Xplique, paper Table 1), L2 (uniform in the L2 "
                            + "ball of radius r) or LINF (each pixel ±r) (default: ${DEFAULT-VALUE}).")
    Stability.Ball stabilityBall;

    @Option(
            names = "--stability-radius",
            defaultValue = "0.3",
            description = "Stability radius r (default: ${DEFAULT-VALUE}).")
    double stabilityRadius;

    @Option(
            names = "--stability-samples",
            description = "Neighbours per image (default: 20 for UNIFORM as Xplique, 10 for L2 and LINF).")
    Integer stabilitySamples;

    @Option(
            names = "--stability-n",
            defaultValue = "0",
            description = "Stability on the first N images only (0: all --n images; its SmoothGrad and Integrated "
                    + "Gradients parts cost 1,000 gradients per image) (default: ${DEFAULT-VALUE}).")
    int stabilityN;

    @Option(
            names = "--robustness-n",
            defaultValue = "0",
            description = "Robustness-SR on the first N images only (0: all --n images) (default: ${DEFAULT-VALUE}).")
    int robustnessN;

    @Option(
            names = "--mu-fidelity-sampling",
            defaultValue = "XPLIQUE_EXACT_COUNT",
            description = "µFidelity subsets: XPLIQUE_EXACT_COUNT (81 of 400 cells, Xplique 2021-2023) or BERNOULLI "
                    + "(each cell with probability 0.2) (default: ${DEFAULT-VALUE}).")
    MuFidelity.Sampling muFidelitySampling;

    @Option(
            names = "--rise-masks",
            defaultValue = "4000",
            description = "Masks of RISE (Xplique's 4000; 500 for a quick look, noisier maps); each costs one forward "
                    + "pass per image (default: ${DEFAULT-VALUE}).")
    int riseMasks;

    @Option(names = "--out", required = true, description = "Output directory for evaluation.md and evaluation.json.")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!data.equals("fashion-mnist") && !data.equals("mnist") && !data.equals("block-mnist")) {
            throw new ParameterException(
                    spec.commandLine(), "evaluate: --data must be fashion-mnist, mnist or block-mnist, got " + data);
        }
        if (n < 1) throw new ParameterException(spec.commandLine(), "evaluate: --n must be >= 1, got " + n);
        if (!(stabilityRadius >= 0) || Double.isInfinite(stabilityRadius)) {
            throw new ParameterException(
                    spec.commandLine(), "evaluate: --stability-radius must be finite and >= 0, got " + stabilityRadius);
        }
        if (stabilitySamples != null && stabilitySamples < 1) {
            throw new ParameterException(
                    spec.commandLine(), "evaluate: --stability-samples must be >= 1, got " + stabilitySamples);
        }
        if (riseMasks < 1) {
            throw new ParameterException(spec.commandLine(), "evaluate: --rise-masks must be >= 1, got " + riseMasks);
        }
        if (stabilityN < 0 || robustnessN < 0) {
            throw new ParameterException(
                    spec.commandLine(), "evaluate: --stability-n and --robustness-n must be >= 0 (0: all images)");
        }
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        int samples = stabilitySamples != null ? stabilitySamples : stabilityBall == Stability.Ball.UNIFORM ? 20 : 10;
        String name = stabilityBall == Stability.Ball.UNIFORM
                ? Stability.Definition.XPLIQUE.name()
                : stabilityBall.name().toLowerCase(java.util.Locale.ROOT) + "-ball";
        Evaluation.Options options = Evaluation.Options.paperDefaults(seed)
                .withSampling(muFidelitySampling)
                .withStability(new Stability.Definition(name, stabilityBall, stabilityRadius, samples))
                .withSubsets(stabilityN, robustnessN)
                .withRiseMasks(riseMasks);
        ModelComparison comparison = new ModelComparison(data, dataDir, n, options);
        EvaluationTable table = comparison.evaluate(models, new ModelComparison.Progress() {
            @Override
            public void update(String model, int done, int total, long startedNanos) {
                progress(stderr, model, done, total, startedNanos);
            }

            @Override
            public void modelDone(String model) {
                stderr.println();
            }

            @Override
            public void partDone(String model, String part, double seconds, double cpuSeconds) {
                stderr.printf(java.util.Locale.ROOT, "%n  %s: %.1f s (CPU %.1f s)%n", part, seconds, cpuSeconds);
                stderr.flush();
            }
        });
        stdout.print(ModelComparison.markdown(table));
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
