package io.otnn.reproduction.models;

import com.fasterxml.jackson.databind.JsonNode;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.checkpoint.Checkpoint;
import io.otnn.reproduction.ReproductionConfig;
import io.otnn.trainer.Trainer;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.TrainingResult;
import io.otnn.trainer.train.LearningRateSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives each role its checkpoint: the one named by {@code --model ROLE=PATH}, else {@code --models DIR}'s
 * {@code DIR/ROLE} when it holds one, else a new training with the trainer's Java API into {@code OUT/models/ROLE}.
 */
public final class ModelProvider {

    private static final Logger LOG = LoggerFactory.getLogger(ModelProvider.class);

    /** The Koch snowflakes' 2D network: small and quick (the trainer's own Prop. 2 test uses the same). */
    public static final double KOCH_WIDTH = 0.125;

    public static final int KOCH_EPOCHS = 30;
    public static final String KOCH_SCHEDULE = "5e-3:25,5e-4";
    /** BlockMNIST's dense OTNN: at least this many epochs (the data set is small: MNIST's 0s and 1s). */
    public static final int BLOCK_MNIST_MIN_EPOCHS = 5;

    private final ReproductionConfig config;

    public ModelProvider(ReproductionConfig config) {
        this.config = config;
    }

    /** The checkpoint that {@code --model} or {@code --models} supplies for the role, or null. */
    public Path reused(ModelRole role) {
        Path explicit = config.models().get(role);
        if (explicit != null) return explicit;
        if (config.modelsDir() != null) {
            Path candidate = config.modelsDir().resolve(role.cliName());
            if (Files.isRegularFile(candidate.resolve(ModelMetadata.FILE_NAME))) return candidate;
        }
        return null;
    }

    public ModelRun obtain(ModelRole role) throws IOException {
        Path reuse = reused(role);
        if (reuse != null) {
            ModelMetadata metadata;
            try (Checkpoint checkpoint = Checkpoint.open(reuse)) {
                metadata = checkpoint.metadata();
            }
            LOG.info("{}: reusing {} ({})", role.cliName(), reuse, metadata.name());
            return fromMetadata(role, reuse, metadata, false, commandOf(metadata, reuse), Double.NaN, 0);
        }
        TrainingConfig training = trainingConfig(role);
        LOG.info("{}: training ({} epochs) into {}", role.cliName(), training.epochs(), training.out());
        long t0 = System.nanoTime();
        TrainingResult result = new Trainer().train(training);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (result.stopped() || result.checkpoint() == null) {
            throw new IllegalStateException(role.cliName() + ": the training was stopped before its end");
        }
        return fromMetadata(
                role,
                result.checkpoint(),
                result.metadata(),
                true,
                command(training),
                result.secondsPerEpoch(),
                seconds);
    }

    /** The training of a role, with the run's options. */
    public TrainingConfig trainingConfig(ModelRole role) {
        Path out = config.out().resolve("models").resolve(role.cliName());
        TrainingConfig.Builder b = TrainingConfig.builder()
                .setDataset(role.dataset())
                .optArchitecture(role.architecture())
                .optSeed(config.seed())
                .optName("reproduce-" + role.cliName())
                .setOut(out)
                .optStateDir(config.out().resolve("training-state").resolve(role.cliName()));
        if (role.loss() != null) b.optLoss(role.loss());
        switch (role) {
            case KOCH ->
                b.optWidthMultiplier(KOCH_WIDTH)
                        .setEpochs(KOCH_EPOCHS)
                        .optSchedule(LearningRateSchedule.parse(KOCH_SCHEDULE));
            case BLOCK_MNIST, BLOCK_MNIST_BASELINE -> {
                b.optDataDir(config.mnistDir())
                        .setEpochs(Math.max(BLOCK_MNIST_MIN_EPOCHS, config.epochs()))
                        .optLimit(config.limit())
                        .optTestLimit(config.testLimit());
            }
            default -> {
                b.optDataDir(config.fashionMnistDir())
                        .setEpochs(config.epochs())
                        .optLimit(config.limit())
                        .optTestLimit(config.testLimit());
                if (role.architecture().equals("cnn") && config.width() != null) b.optWidthMultiplier(config.width());
            }
        }
        return b.build();
    }

    /** The {@code otnn train} command line of a training configuration. */
    public static String command(TrainingConfig c) {
        List<String> args = new ArrayList<>(List.of("otnn", "train", "--data", c.dataset()));
        if (c.dataDir() != null) args.addAll(List.of("--data-dir", c.dataDir().toString()));
        args.addAll(
                List.of("--arch", c.architecture(), "--loss", c.loss().kind().cliName()));
        args.addAll(List.of("--width", format(c.widthMultiplier())));
        args.addAll(List.of(
                "--epochs", Integer.toString(c.epochs()), "--lr", c.schedule().toString()));
        args.addAll(List.of("--seed", Long.toString(c.seed())));
        if (c.limit() != Integer.MAX_VALUE) args.addAll(List.of("--limit", Integer.toString(c.limit())));
        if (c.testLimit() != Integer.MAX_VALUE) args.addAll(List.of("--test-limit", Integer.toString(c.testLimit())));
        args.addAll(List.of("--out", c.out().toString()));
        return String.join(" ", args);
    }

    /** What a reused checkpoint's metadata says of its training, as an {@code otnn train} command. */
    static String commandOf(ModelMetadata m, Path path) {
        JsonNode t = m.training();
        JsonNode a = m.architecture();
        return String.format(
                Locale.ROOT,
                "(reused %s) otnn train --data %s --arch %s --loss %s --width %s --epochs %s --lr %s --seed %s",
                path,
                text(t, "dataset"),
                text(a, "preset"),
                m.loss() == null ? "?" : text(m.loss(), "name"),
                text(a, "widthMultiplier"),
                text(t, "epochs"),
                text(t, "learningRate"),
                text(t, "seed"));
    }

    /** @param secondsPerEpoch NaN: the one the metadata records */
    static ModelRun fromMetadata(
            ModelRole role,
            Path path,
            ModelMetadata m,
            boolean trained,
            String command,
            double secondsPerEpoch,
            double seconds) {
        JsonNode t = m.training();
        JsonNode g = m.evaluation() == null ? null : m.evaluation().get("gradientNorm");
        double[] norm = g == null
                ? new double[] {Double.NaN, Double.NaN, Double.NaN}
                : new double[] {number(g, "min"), number(g, "mean"), number(g, "max")};
        return new ModelRun(
                role,
                path,
                m,
                trained,
                command,
                (int) number(t, "epochs", -1),
                (int) number(t, "trainSize", -1),
                (int) number(t, "testSize", -1),
                m.evaluationFigure("testAccuracy"),
                norm,
                m.evaluationFigure("boundaryResidual"),
                Double.isNaN(secondsPerEpoch) ? number(t, "secondsPerEpoch") : secondsPerEpoch,
                seconds);
    }

    private static double number(JsonNode node, String field) {
        return number(node, field, Double.NaN);
    }

    private static double number(JsonNode node, String field, double otherwise) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isNumber() ? v.asDouble() : otherwise;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v == null || v.isNull() ? "?" : v.asText();
    }

    private static String format(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
