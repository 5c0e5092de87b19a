package io.otnn.training.requests;

import io.otnn.avro.TrainingRequest;
import io.otnn.checkpoint.ModelStoreHttp;
import io.otnn.datasets.DataSetNames;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.losses.LossSpec;
import io.otnn.trainer.model.Presets;
import io.otnn.trainer.train.LearningRateSchedule;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Reads a {@link TrainingRequest} into the {@link TrainingConfig} of its job, or refuses it with one line. The data
 * source is {@code idx:DIR} (IDX files, classes 0–9: the {@code mnist} data set read from DIR), {@code dir:DIR} (one
 * sub-folder of images per class: {@code folder}) or a named data set ({@code fashion-mnist}, {@code mnist},
 * {@code block-mnist} read from {@code dataDir}; {@code koch} needs none). Whether the data can be read is only known
 * when the job loads it (then the job is REJECTED too).
 */
public final class TrainingRequestValidator {

    /** Named data sets a request may give as its data source. */
    public static final List<String> NAMED =
            List.of(DataSetNames.FASHION_MNIST, DataSetNames.MNIST, DataSetNames.BLOCK_MNIST, DataSetNames.KOCH);

    public static final int MAX_REQUEST_ID_LENGTH = 200;

    private TrainingRequestValidator() {}

    /**
     * The job's configuration: the checkpoint goes first to {@code out} (the export target moves it into the store),
     * the resumable state to {@code stateDir}, resumed when it is there.
     */
    public static TrainingConfig toConfig(TrainingRequest r, Path out, Path stateDir) throws RequestRejectedException {
        requestId(r.getRequestId());
        String name = r.getModelName();
        if (name == null || !ModelStoreHttp.MODEL_NAME.matcher(name).matches() || name.length() > 100) {
            throw new RequestRejectedException("bad model name '" + name
                    + "': 1 to 100 letters, digits, '.', '_' or '-' starting with a letter or digit");
        }
        String source = r.getDataSource() == null ? "" : r.getDataSource().trim();
        String dataset;
        Path dataDir;
        if (source.startsWith("idx:")) {
            dataset = DataSetNames.MNIST;
            dataDir = path(source.substring(4), "idx:");
        } else if (source.startsWith("dir:")) {
            dataset = DataSetNames.FOLDER;
            dataDir = path(source.substring(4), "dir:");
        } else if (NAMED.contains(source.toLowerCase(Locale.ROOT))) {
            dataset = source.toLowerCase(Locale.ROOT);
            dataDir = r.getDataDir() == null ? null : path(r.getDataDir(), "dataDir");
            if (dataDir == null && !dataset.equals(DataSetNames.KOCH)) {
                throw new RequestRejectedException("data set " + dataset + " needs dataDir (the folder of its files)");
            }
        } else {
            throw new RequestRejectedException(
                    "unknown data source '" + source + "': idx:DIR, dir:DIR or one of " + String.join(", ", NAMED));
        }
        if (r.getEpochs() < 1) throw new RequestRejectedException("epochs must be at least 1, got " + r.getEpochs());
        if (r.getBatchSize() < 1) {
            throw new RequestRejectedException("batch size must be at least 1, got " + r.getBatchSize());
        }
        positive("lambda", r.getLambda());
        positive("margin", r.getMargin());
        positive("alpha", r.getAlpha());
        positive("widthMultiplier", r.getWidthMultiplier());
        if (r.getWidthMultiplier() != null && r.getWidthMultiplier() > 8) {
            throw new RequestRejectedException("widthMultiplier must be at most 8, got " + r.getWidthMultiplier());
        }
        if (r.getTrainLimit() != null && r.getTrainLimit() < 1) {
            throw new RequestRejectedException("trainLimit must be at least 1, got " + r.getTrainLimit());
        }
        if (r.getTestLimit() != null && r.getTestLimit() < 1) {
            throw new RequestRejectedException("testLimit must be at least 1, got " + r.getTestLimit());
        }
        String preset = r.getPreset() == null ? "dense" : r.getPreset().toLowerCase(Locale.ROOT);
        if (!Presets.NAMES.contains(preset)) {
            throw new RequestRejectedException(
                    "unknown preset '" + r.getPreset() + "': one of " + String.join(", ", Presets.NAMES));
        }
        try {
            LearningRateSchedule schedule =
                    r.getLearningRate() == null ? null : LearningRateSchedule.parse(r.getLearningRate());
            return TrainingConfig.builder()
                    .setDataset(dataset)
                    .optDataDir(dataDir)
                    .optArchitecture(preset)
                    .optWidthMultiplier(r.getWidthMultiplier())
                    .optLoss(r.getLoss() == null ? null : LossSpec.Kind.fromCli(r.getLoss()))
                    .optLambda(r.getLambda() == null ? null : r.getLambda().floatValue())
                    .optMargin(r.getMargin() == null ? null : r.getMargin().floatValue())
                    .optAlpha(r.getAlpha() == null ? null : r.getAlpha().floatValue())
                    .setEpochs(r.getEpochs())
                    .optBatchSize(r.getBatchSize())
                    .optSchedule(schedule)
                    .optSeed(r.getSeed())
                    .optLimit(r.getTrainLimit() == null ? Integer.MAX_VALUE : r.getTrainLimit())
                    .optTestLimit(r.getTestLimit() == null ? Integer.MAX_VALUE : r.getTestLimit())
                    .setOut(out)
                    .optName(name)
                    .optStateDir(stateDir)
                    .optResume(true)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new RequestRejectedException(oneLine(e.getMessage()));
        }
    }

    /** A request id: any non-blank text up to {@value #MAX_REQUEST_ID_LENGTH} characters (the journal hashes it). */
    public static String requestId(String id) throws RequestRejectedException {
        if (id == null || id.isBlank() || id.length() > MAX_REQUEST_ID_LENGTH) {
            throw new RequestRejectedException(
                    "bad request id: 1 to " + MAX_REQUEST_ID_LENGTH + " characters, not blank");
        }
        return id;
    }

    private static void positive(String field, Double value) throws RequestRejectedException {
        if (value != null && !(value > 0 && Double.isFinite(value))) {
            throw new RequestRejectedException(field + " must be > 0, got " + value);
        }
    }

    private static Path path(String text, String what) throws RequestRejectedException {
        if (text == null || text.isBlank()) throw new RequestRejectedException(what + " names no folder");
        try {
            return Path.of(text.trim());
        } catch (InvalidPathException e) {
            throw new RequestRejectedException(what + " '" + text + "' is not a path: " + e.getMessage());
        }
    }

    public static String oneLine(String message) {
        return message == null
                ? ""
                : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
