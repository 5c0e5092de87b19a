package io.otnn.cli.trainer;

import io.otnn.trainer.Trainer;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.TrainingResult;
import io.otnn.trainer.announce.CheckpointAnnouncer;
import io.otnn.trainer.data.DataException;
import io.otnn.trainer.eval.RobustnessEvaluation;
import io.otnn.trainer.export.PublishRefusedException;
import io.otnn.trainer.losses.LossSpec;
import io.otnn.trainer.train.LearningRateSchedule;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code otnn train}: trains an OTNN (or its unconstrained twin) and publishes a checkpoint. Defaults follow the
 * paper's appendix A.2.3 for Fashion-MNIST (Adam, batch 128, λ = 5, m = 0.5, α = 10, learning rate 5e-4 until epoch
 * 50, 5e-5 until 75, then 1e-6). Errors print one line and exit non-zero: 2 for a bad flag, 3 for missing or
 * unreadable data, 4 for an unwritable output, 5 when the exported model fails its verification, 6 when the
 * announcement on Kafka fails (the checkpoint itself is published).
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Train a 1-Lipschitz OTNN (or an unconstrained baseline) and export a verified checkpoint.")
public final class TrainCommand implements Callable<Integer> {

    public static final int EXIT_DATA = 3;
    public static final int EXIT_OUTPUT = 4;
    public static final int EXIT_VERIFICATION = 5;
    public static final int EXIT_ANNOUNCE = 6;

    @Option(names = "--data", required = true, description = "fashion-mnist, mnist, folder, block-mnist or koch")
    String data;

    @Option(names = "--data-dir", description = "folder of the data set files (IDX files, or one sub-folder per class)")
    Path dataDir;

    @Option(
            names = "--arch",
            defaultValue = "dense",
            description = "dense, cnn (deel-lip's demo 4 network), cnn-soc (cnn with skew-orthogonal convolutions),"
                    + " cnn-gnp (orthogonal convolutions that never widen, then the dense layers: gradient-norm preserving)"
                    + " or vgg (the paper's Table 4 network)"
                    + " (default: ${DEFAULT-VALUE})")
    String arch;

    @Option(
            names = "--loss",
            description =
                    "hkr (binary), hkr-multiclass, hkr-softmax, hkr-soft or cross-entropy (default: hkr-soft for cnn and cnn-soc,"
                            + " hkr-softmax otherwise; hkr for binary data)")
    String loss;

    @Option(names = "--lambda", description = "hKR λ (default 5; hkr-soft: 50)")
    Float lambda;

    @Option(names = "--margin", description = "hKR margin m (default 0.5; hkr-soft: 0.2)")
    Float margin;

    @Option(names = "--alpha", description = "softmax temperature α of hkr-softmax and hkr-soft (default 10)")
    Float alpha;

    @Option(
            names = "--width",
            description =
                    "width multiplier of the preset (default 1 for dense and cnn-gnp, 0.25 for cnn, cnn-soc and vgg)")
    Double width;

    @Option(names = "--epochs", required = true, description = "number of epochs")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(
            names = "--lr",
            description = "learning-rate schedule 'rate:untilEpoch,…,rate' (default "
                    + LearningRateSchedule.FASHION_MNIST + "; cnn, cnn-soc: " + LearningRateSchedule.DEMO4 + ")")
    String lr;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "seed of initialisation, shuffling and splits (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--validation",
            defaultValue = "0.1",
            description = "share of the training set held out for validation (default: ${DEFAULT-VALUE})")
    double validation;

    @Option(names = "--limit", description = "use only the first N training images (quick runs)")
    Integer limit;

    @Option(names = "--test-limit", description = "evaluate on the first N test images only")
    Integer testLimit;

    @Option(names = "--out", required = true, description = "checkpoint directory to create or replace")
    Path out;

    @Option(names = "--name", description = "model name (default <data>-<arch>-otnn|baseline)")
    String name;

    @Option(names = "--state-dir", description = "where the resumable state goes (default <out>.state)")
    Path stateDir;

    @Option(names = "--resume", description = "continue from the saved state of the same run")
    boolean resume;

    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;

    @Option(
            names = "--bootstrap-servers",
            description = "Kafka brokers: announce the checkpoint on the models topic (needs --schema-registry)")
    String bootstrapServers;

    @Option(names = "--schema-registry", description = "Confluent-compatible schema registry URL for the announcement")
    String schemaRegistry;

    @Option(
            names = "--topic",
            defaultValue = CheckpointAnnouncer.DEFAULT_TOPIC,
            description = "models topic, created compacted if missing (default: ${DEFAULT-VALUE})")
    String topic;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if ((bootstrapServers == null) != (schemaRegistry == null)) {
            err.println("otnn train: --bootstrap-servers and --schema-registry go together (both or neither)");
            return CommandLine.ExitCode.USAGE;
        }
        TrainingConfig config;
        try {
            config = TrainingConfig.builder()
                    .setDataset(data)
                    .optDataDir(dataDir)
                    .optArchitecture(arch)
                    .optLoss(loss == null ? null : LossSpec.Kind.fromCli(loss))
                    .optLambda(lambda)
                    .optMargin(margin)
                    .optAlpha(alpha)
                    .optWidthMultiplier(width)
                    .setEpochs(epochs)
                    .optBatchSize(batchSize)
                    .optSchedule(lr == null ? null : LearningRateSchedule.parse(lr))
                    .optSeed(seed)
                    .optValidationFraction(validation)
                    .optLimit(limit == null ? Integer.MAX_VALUE : limit)
                    .optTestLimit(testLimit == null ? Integer.MAX_VALUE : testLimit)
                    .setOut(out)
                    .optName(name)
                    .optStateDir(stateDir)
                    .optResume(resume)
                    .optProgress(noProgress ? null : System.out)
                    .build();
        } catch (IllegalArgumentException e) {
            err.println("otnn train: " + e.getMessage());
            return CommandLine.ExitCode.USAGE;
        }
        Trainer trainer = new Trainer();
        Thread hook = trainer.stopSignal().installShutdownHook();
        try {
            TrainingResult r = trainer.train(config);
            PrintWriter o = spec.commandLine().getOut();
            if (r.stopped()) {
                o.println("stopped after " + r.epochsCompleted() + " epochs; state kept in "
                        + config.effectiveStateDir() + " (run again with --resume)");
                return 130;
            }
            RobustnessEvaluation e = r.evaluation();
            o.println(e.summary());
            o.printf(
                    Locale.ROOT,
                    "%.1f s/epoch, %.0f images/s, constraint forward share of a step %.2f%n",
                    r.secondsPerEpoch(),
                    r.imagesPerSecond(),
                    r.normalizationShare());
            o.println("checkpoint " + r.checkpoint() + " version "
                    + r.metadata().version() + " manifest " + r.manifestDigest());
            o.flush();
            if (bootstrapServers != null) {
                try {
                    new CheckpointAnnouncer(bootstrapServers, schemaRegistry, topic)
                            .announce(CheckpointAnnouncer.event(r, null));
                    o.println("announced on " + topic);
                } catch (Exception failure) {
                    err.println("otnn train: the checkpoint is published but its announcement on " + topic + " failed: "
                            + (failure.getCause() != null ? failure.getCause().getMessage() : failure.getMessage()));
                    return EXIT_ANNOUNCE;
                }
            }
            return CommandLine.ExitCode.OK;
        } catch (DataException e) {
            err.println("otnn train: " + e.getMessage());
            return EXIT_DATA;
        } catch (UncheckedIOException e) {
            err.println("otnn train: " + e.getCause().getMessage());
            return EXIT_OUTPUT;
        } catch (java.io.IOException e) {
            err.println("otnn train: " + e.getMessage());
            return EXIT_OUTPUT;
        } catch (PublishRefusedException e) {
            err.println("otnn train: " + e.getMessage());
            return EXIT_VERIFICATION;
        } catch (IllegalArgumentException e) {
            err.println("otnn train: " + e.getMessage());
            return CommandLine.ExitCode.USAGE;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down (Ctrl-C): the hook is running
            }
        }
    }

    /** Runs the command on its own, outside {@code otnn} (a child JVM of {@code StopOnSignalTest}). */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new TrainCommand());
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("otnn train: " + ex.getMessage() + " (see --help)");
            return CommandLine.ExitCode.USAGE;
        });
        return cl.execute(args);
    }
}
