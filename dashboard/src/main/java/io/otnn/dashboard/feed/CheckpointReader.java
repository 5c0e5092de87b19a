package io.otnn.dashboard.feed;

import com.fasterxml.jackson.databind.JsonNode;
import io.otnn.avro.EpsilonFraction;
import io.otnn.avro.ModelCheckpoint;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.dashboard.state.ModelEntry;
import io.otnn.dashboard.state.WindowFigures;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@code ModelCheckpoint} announcement into a {@link ModelEntry}, reading the checkpoint's
 * {@code otnn-model.json} when its URI is a {@code file:} directory this machine can read: the training set's class
 * priors ({@code reference.classPriors}) and the input range. Anything else (s3:, http:, an archive, a missing file)
 * gives the entry without them and a note saying why.
 */
public final class CheckpointReader {

    private CheckpointReader() {}

    public static ModelEntry read(ModelCheckpoint c, long announcedAt) {
        double[] priors = null;
        Double min = null;
        Double max = null;
        String note;
        try {
            URI uri = URI.create(c.getUri());
            if (!"file".equalsIgnoreCase(uri.getScheme())) {
                note = "class priors not read: the checkpoint is at a " + uri.getScheme() + ": URI";
            } else {
                Path dir = Path.of(uri);
                Path file = Files.isDirectory(dir) ? dir.resolve(ModelMetadata.FILE_NAME) : null;
                if (file == null || !Files.isRegularFile(file)) {
                    note = "class priors not read: no " + ModelMetadata.FILE_NAME + " in " + dir;
                } else {
                    ModelMetadata metadata = ModelMetadata.read(file);
                    min = metadata.input().min();
                    max = metadata.input().max();
                    priors = priors(metadata);
                    note = priors == null ? "no reference.classPriors in " + file : "class priors from " + file;
                }
            }
        } catch (RuntimeException e) {
            note = "class priors not read: " + e.getMessage();
        }
        List<WindowFigures.Point> certified = new ArrayList<>();
        for (EpsilonFraction f : c.getCertifiedAccuracy())
            certified.add(new WindowFigures.Point(f.getEpsilon(), f.getFraction()));
        return new ModelEntry(
                c.getModelName(),
                c.getVersion(),
                c.getUri(),
                c.getCreatedTime().toEpochMilli(),
                c.getTestAccuracy(),
                certified,
                List.copyOf(c.getClassNames()),
                List.copyOf(c.getInputShape()),
                c.getLipschitzConstant(),
                c.getCertificateFactor(),
                priors,
                min,
                max,
                note,
                announcedAt);
    }

    private static double[] priors(ModelMetadata metadata) {
        JsonNode node =
                metadata.reference() == null ? null : metadata.reference().get("classPriors");
        if (node == null || !node.isArray() || node.isEmpty()) return null;
        double[] out = new double[node.size()];
        for (int i = 0; i < out.length; i++) out[i] = node.get(i).asDouble();
        return out;
    }
}
