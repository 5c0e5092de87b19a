package io.otnn.streams.models;

import io.otnn.avro.ModelCheckpoint;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.ImageExplanation;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.explaining.OtnnEngine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Decides whether a fetched checkpoint may serve, and readies it: explain-core's loading verifies the manifest
 * (every file's SHA-256, no file added), the metadata and the signatures; then the manifest digest must be the
 * announced one, the metadata must say what the announcement says, the input contract must be the serving one's
 * (the images waiting in a batch were decoded for it), the {@link SelfTest} must pass, and a few model calls at the
 * batch sizes in use warm it up.
 */
final class CheckpointVerifier {

    private final List<Integer> warmUpSizes;

    /** @param maxBatchSize the stream's {@code batch.max.size}: the warm-up runs 1, 8 (if smaller) and that */
    CheckpointVerifier(int maxBatchSize) {
        TreeSet<Integer> sizes = new TreeSet<>(List.of(1, Math.min(8, maxBatchSize), maxBatchSize));
        this.warmUpSizes = List.copyOf(sizes);
    }

    /**
     * @param serving the input contract to keep (the model serving now), or null when none serves yet
     * @param recent  images the stream decoded lately, for the self-test
     * @return the loaded engine, which the caller owns
     */
    OtnnEngine verify(ModelCheckpoint event, Path local, ModelMetadata serving, List<float[]> recent)
            throws RefusedCheckpoint {
        OtnnEngine engine;
        try {
            engine = OtnnEngine.load(local);
        } catch (RuntimeException e) {
            throw new RefusedCheckpoint(oneLine(e.getMessage() == null ? e.toString() : e.getMessage()), e);
        }
        try {
            String digest = engine.otnnModel().digest();
            if (!digest.equalsIgnoreCase(event.getManifestDigest())) {
                throw new RefusedCheckpoint(
                        "the manifest digest " + digest + " differs from the announced " + event.getManifestDigest());
            }
            ModelMetadata model = engine.model();
            Optional<String> problem = metadataProblem(event, model)
                    .or(() -> serving == null ? Optional.empty() : contractProblem(serving, model));
            if (problem.isPresent()) {
                throw new RefusedCheckpoint(problem.get());
            }
            float[][] images = SelfTest.images(model.input(), recent, event.getVersion());
            try (BatchExplainer explainer = engine.newExplainer()) {
                List<ImageExplanation> results = explainer.explain(images);
                Optional<String> selfTest = SelfTest.problem(model, results);
                if (selfTest.isPresent()) {
                    throw new RefusedCheckpoint(selfTest.get());
                }
                for (int size : warmUpSizes) {
                    float[][] batch = new float[size][];
                    for (int i = 0; i < size; i++) {
                        batch[i] = images[i % images.length];
                    }
                    explainer.explain(batch);
                }
            }
            return engine;
        } catch (RefusedCheckpoint e) {
            engine.close();
            throw e;
        } catch (RuntimeException e) {
            engine.close();
            throw new RefusedCheckpoint("the self-test's model call failed: " + oneLine(e.toString()), e);
        }
    }

    /** Where the checkpoint's metadata says otherwise than its announcement (name, version, task, classes, shape). */
    static Optional<String> metadataProblem(ModelCheckpoint event, ModelMetadata model) {
        List<String> differences = new ArrayList<>();
        if (!model.name().equals(event.getModelName())) {
            differences.add("name " + model.name() + " (announced " + event.getModelName() + ")");
        }
        if (model.version() != event.getVersion()) {
            differences.add("version " + model.version() + " (announced " + event.getVersion() + ")");
        }
        if (!model.task().name().equals(event.getTask().name())) {
            differences.add("task " + model.task() + " (announced " + event.getTask() + ")");
        }
        if (!model.classNames().equals(event.getClassNames())) {
            differences.add("classes " + model.classNames() + " (announced " + event.getClassNames() + ")");
        }
        if (!model.input().shape().equals(event.getInputShape())) {
            differences.add("input shape " + model.input().shape() + " (announced " + event.getInputShape() + ")");
        }
        return differences.isEmpty()
                ? Optional.empty()
                : Optional.of(
                        "the checkpoint's metadata differs from its announcement: " + String.join(", ", differences));
    }

    /**
     * Where the candidate's input contract differs from the serving model's: same shape, value range and raw-pixel
     * map (the waiting images were decoded with them), same number of classes (their labels were checked with it).
     */
    static Optional<String> contractProblem(ModelMetadata serving, ModelMetadata candidate) {
        ModelMetadata.Input a = serving.input();
        ModelMetadata.Input b = candidate.input();
        if (!a.shape().equals(b.shape())) {
            return Optional.of("wrong input shape " + b.shape() + ": the serving model takes " + a.shape());
        }
        if (a.min() != b.min()
                || a.max() != b.max()
                || a.rawScale() != b.rawScale()
                || a.rawOffset() != b.rawOffset()) {
            return Optional.of("input range [" + b.min() + ", " + b.max() + "] (raw × " + b.rawScale() + " + "
                    + b.rawOffset() + ") differs from the serving model's [" + a.min() + ", " + a.max() + "] (raw × "
                    + a.rawScale() + " + " + a.rawOffset() + ")");
        }
        if (serving.classNames().size() != candidate.classNames().size()) {
            return Optional.of(candidate.classNames().size() + " classes where the serving model has "
                    + serving.classNames().size());
        }
        return Optional.empty();
    }

    static String oneLine(String message) {
        String line = message.replaceAll("\\s*\\R\\s*", " ").trim();
        return line.length() > 400 ? line.substring(0, 400) + "…" : line;
    }

    List<Integer> warmUpSizes() {
        return warmUpSizes;
    }
}
