package io.otnn.cli.reproduce;

import io.otnn.explain.metrics.ModelComparison;
import io.otnn.reproduction.Reproduction;
import io.otnn.reproduction.ReproductionConfig;
import io.otnn.reproduction.report.ReproductionReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code otnn reproduce}: trains (or reuses) the paper's Fashion-MNIST networks, measures them and writes one report,
 * {@code OUT/report.md} (+ {@code report.json} and the PNGs of Figures 2 and 7), with the paper's tables 1, 6, 8, 9,
 * 10 and 11 beside ours. The job is the {@code reproduction} module's {@link Reproduction}.
 */
@Command(
        name = "reproduce",
        mixinStandardHelpOptions = true,
        description = {
            "Reproduces the paper's Fashion-MNIST tables (1, 6, 8, 9, 10, 11) and Figures 2 and 7: trains or reuses"
                    + " the networks, measures them, writes OUT/report.md, OUT/report.json and the PNGs.",
            "Networks (ROLE): " + "dense-otnn, dense-baseline, cnn-otnn, cnn-baseline, dense-otnn-eq4, cnn-otnn-eq4,"
                    + " koch, block-mnist."
        })
public final class ReproduceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--data-dir",
            required = true,
            paramLabel = "D",
            description = "Folder holding fashion-mnist/ (IDX, required) and mnist/ (IDX, for BlockMNIST: Table 11 and"
                    + " Figure 7; without it they read 'not measured').")
    Path dataDir;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "Output folder: report.md, report.json, koch-snowflakes.png, block-mnist.png, models/ (the"
                    + " trained checkpoints, reusable with --models), evaluations/.")
    Path out;

    @Option(
            names = "--quick",
            description = "A small run (a few minutes): --epochs 1 --limit 2000 --test-limit 500 --n 20 --width 0.125,"
                    + " unless given.")
    boolean quick;

    @Option(
            names = "--epochs",
            paramLabel = "N",
            description =
                    "Epochs of every Fashion-MNIST training (BlockMNIST: at least 5; Koch: always 30) (default: 2,"
                            + " quick 1; the paper: 200).")
    Integer epochs;

    @Option(
            names = "--limit",
            paramLabel = "N",
            description = "Training images of each Fashion-MNIST and BlockMNIST training (default: all, quick 2000).")
    Integer limit;

    @Option(
            names = "--test-limit",
            paramLabel = "N",
            description =
                    "Test images of the trainer's evaluation: accuracy, gradient norms (default: all, quick 500).")
    Integer testLimit;

    @Option(
            names = "--n",
            paramLabel = "N",
            description = "Test images of the explanation metrics (Tables 1, 8, 10, 11) (default: 1000 as the paper,"
                    + " quick 20).")
    Integer n;

    @Option(
            names = "--width",
            paramLabel = "W",
            description = "Width multiplier of the cnn preset (default: the trainer's, quick 0.125).")
    Double width;

    @Option(
            names = "--seed",
            defaultValue = "42",
            paramLabel = "S",
            description = "Seed of every training and metric draw (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--eq4",
            defaultValue = "dense",
            paramLabel = "PRESET",
            description = "Which preset gets its Eq. 4 twin for Table 6: dense, cnn, both or none (default:"
                    + " ${DEFAULT-VALUE}).")
    String eq4;

    @Option(
            names = "--models",
            paramLabel = "DIR",
            description = "Reuse the checkpoints of DIR/ROLE (an earlier run's OUT/models) instead of training them;"
                    + " roles missing there are trained.")
    Path modelsDir;

    @Option(
            names = "--model",
            paramLabel = "ROLE=PATH",
            description = "Reuse one checkpoint (directory or archive) for ROLE; repeatable; wins over --models.")
    List<String> model = new ArrayList<>();

    @Option(
            names = "--skip",
            paramLabel = "ROLE",
            split = ",",
            description = "Neither train nor measure these roles (their cells read 'not measured').")
    List<String> skip = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        ReproductionConfig config;
        try {
            ReproductionConfig.Builder b = ReproductionConfig.builder()
                    .setDataDir(dataDir)
                    .setOut(out)
                    .optQuick(quick)
                    .optEpochs(epochs)
                    .optLimit(limit)
                    .optTestLimit(testLimit)
                    .optN(n)
                    .optWidth(width)
                    .optSeed(seed)
                    .optEq4(eq4.toLowerCase(Locale.ROOT))
                    .optModelsDir(modelsDir)
                    .optCommandLine(commandLine());
            for (String m : model) b.optModel(m);
            for (String s : skip) b.optSkip(s);
            config = b.build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "reproduce: " + e.getMessage());
        }
        PrintWriter err = spec.commandLine().getErr();
        ReproductionReport report = new Reproduction(config, new ModelComparison.Progress() {
                    @Override
                    public void update(String name, int done, int total, long startedNanos) {
                        err.printf("\r%-40s %d/%d %.0fs", name, done, total, (System.nanoTime() - startedNanos) / 1e9);
                        err.flush();
                    }

                    @Override
                    public void modelDone(String name) {
                        err.println();
                    }
                })
                .run();
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.printf(
                Locale.ROOT,
                "report: %s (%.0f s, %d networks)%n",
                config.out().resolve(ReproductionReport.REPORT),
                report.seconds(),
                report.runs().size());
        stdout.flush();
        return 0;
    }

    /** The command as typed (picocli's original arguments, which start with the subcommand's name), for the report. */
    private String commandLine() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        return "otnn " + String.join(" ", args);
    }
}
