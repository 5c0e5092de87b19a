package io.otnn.checkpoint;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The content of {@code otnn-model.json} (see docs/checkpoint-format.md): what a model is, how to feed it and how to
 * turn its logits into certificates. {@code architecture}, {@code loss}, {@code training}, {@code evaluation} and
 * {@code reference} are free-form JSON objects kept as written.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelMetadata(
        int formatVersion,
        String name,
        int version,
        Instant createdAt,
        Task task,
        List<String> classNames,
        Input input,
        double lipschitzConstant,
        double certificateFactor,
        ObjectNode architecture,
        ObjectNode loss,
        ObjectNode training,
        ObjectNode evaluation,
        ObjectNode reference) {

    public static final String FILE_NAME = "otnn-model.json";
    public static final int FORMAT_VERSION = 1;

    public enum Task {
        BINARY,
        MULTICLASS
    }

    /** Input layout {@code [H, W, C]}, value range, and the affine map from 8-bit raw pixels to that range. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Input(List<Integer> shape, double min, double max, double rawScale, double rawOffset) {
        public int height() {
            return shape.get(0);
        }

        public int width() {
            return shape.get(1);
        }

        public int channels() {
            return shape.get(2);
        }

        public int size() {
            return height() * width() * channels();
        }

        /** The usual input of 8-bit images: pixels / 255 in [0, 1]. */
        public static Input unitRange(int height, int width, int channels) {
            return new Input(List.of(height, width, channels), 0.0, 1.0, 1.0 / 255.0, 0.0);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Number of logits: 1 for a binary model, the number of classes otherwise. */
    public int logitCount() {
        return task == Task.BINARY ? 1 : classNames.size();
    }

    /** The arithmetic of the explain gradients (fp32 unless {@code architecture.gradientPrecision} says otherwise). */
    public GradientPrecision gradientPrecision() {
        return GradientPrecision.of(architecture);
    }

    /**
     * What the gradient-norm checks add to their tolerance for the recorded {@link #gradientPrecision}
     * ({@link GradientPrecision#recordedTolerance}).
     */
    public double gradientTolerance() {
        return GradientPrecision.recordedTolerance(architecture);
    }

    public String className(int index) {
        return index >= 0 && index < classNames.size() ? classNames.get(index) : Integer.toString(index);
    }

    /** Checks what a reader relies on; the message names the file and the problem. */
    public ModelMetadata validate(Path file) {
        List<String> problems = new ArrayList<>();
        if (formatVersion != FORMAT_VERSION) {
            problems.add("formatVersion is " + formatVersion + ", this reader understands " + FORMAT_VERSION);
        }
        if (name == null || name.isBlank()) problems.add("name is missing");
        if (version < 1) problems.add("version must be >= 1, got " + version);
        if (task == null) problems.add("task is missing (BINARY or MULTICLASS)");
        if (classNames == null || classNames.isEmpty()) {
            problems.add("classNames is missing");
        } else if (task == Task.BINARY && classNames.size() != 2) {
            problems.add("a BINARY model needs 2 classNames, got " + classNames.size());
        }
        if (input == null
                || input.shape() == null
                || input.shape().size() != 3
                || input.shape().stream().anyMatch(d -> d == null || d < 1)) {
            problems.add("input.shape must be [height, width, channels] with positive sizes");
        } else if (!(input.max() > input.min())) {
            problems.add("input range [" + input.min() + ", " + input.max() + "] is empty");
        }
        if (!(lipschitzConstant > 0) || Double.isInfinite(lipschitzConstant)) {
            problems.add("lipschitzConstant must be positive and finite, got " + lipschitzConstant);
        }
        if (!(certificateFactor > 0) || Double.isInfinite(certificateFactor)) {
            problems.add("certificateFactor must be positive and finite, got " + certificateFactor);
        }
        try {
            gradientTolerance();
        } catch (IllegalArgumentException | CheckpointException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new CheckpointException(file + ": " + String.join("; ", problems));
        }
        return this;
    }

    public static ModelMetadata read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + ": missing (every checkpoint has " + FILE_NAME + ")");
        }
        ModelMetadata metadata;
        try {
            metadata = JSON.readValue(file.toFile(), ModelMetadata.class);
        } catch (IOException e) {
            throw new CheckpointException(
                    file + ": not valid metadata JSON: "
                            + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                                    ? j.getOriginalMessage()
                                    : e.getMessage()),
                    e);
        }
        return metadata.validate(file);
    }

    public void write(Path file) throws IOException {
        JSON.writeValue(file.toFile(), this);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fresh empty object for the free-form sections. */
    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** The evaluation figure at {@code path} (e.g. "testAccuracy"), or NaN when absent. */
    public double evaluationFigure(String field) {
        JsonNode node = evaluation == null ? null : evaluation.get(field);
        return node != null && node.isNumber() ? node.asDouble() : Double.NaN;
    }

    public ModelMetadata withEvaluation(ObjectNode newEvaluation) {
        return new ModelMetadata(
                formatVersion,
                name,
                version,
                createdAt,
                task,
                classNames,
                input,
                lipschitzConstant,
                certificateFactor,
                architecture,
                loss,
                training,
                newEvaluation,
                reference);
    }

    public ModelMetadata withReference(ObjectNode newReference) {
        return new ModelMetadata(
                formatVersion,
                name,
                version,
                createdAt,
                task,
                classNames,
                input,
                lipschitzConstant,
                certificateFactor,
                architecture,
                loss,
                training,
                evaluation,
                newReference);
    }
}
