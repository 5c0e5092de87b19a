package io.otnn.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelMetadataTest {

    @TempDir
    Path dir;

    static ModelMetadata sample() {
        var evaluation = ModelMetadata.object().put("testAccuracy", 0.87);
        return new ModelMetadata(
                1,
                "fmnist-dense",
                3,
                Instant.parse("2026-11-23T16:00:00Z"),
                ModelMetadata.Task.MULTICLASS,
                List.of("a", "b", "c"),
                ModelMetadata.Input.unitRange(28, 28, 1),
                1.0,
                Math.sqrt(2),
                ModelMetadata.object().put("preset", "dense"),
                ModelMetadata.object(),
                ModelMetadata.object(),
                evaluation,
                ModelMetadata.object());
    }

    @Test
    void shouldReadBackWhatItWrote() throws IOException {
        Path file = dir.resolve(ModelMetadata.FILE_NAME);
        sample().write(file);

        ModelMetadata read = ModelMetadata.read(file);

        assertThat(read).isEqualTo(sample());
        assertThat(read.logitCount()).isEqualTo(3);
        assertThat(read.evaluationFigure("testAccuracy")).isEqualTo(0.87);
        assertThat(read.evaluationFigure("absent")).isNaN();
        assertThat(Files.readString(file)).contains("\"createdAt\" : \"2026-11-23T16:00:00Z\"");
    }

    @Test
    void shouldAddBfloat16sRoundingToTheGradientToleranceOnlyWhenTheArchitectureRecordsIt() throws IOException {
        assertThat(sample().gradientPrecision()).isEqualTo(GradientPrecision.FP32);
        assertThat(sample().gradientTolerance()).isZero();

        ModelMetadata s = sample();
        s.architecture().put(GradientPrecision.FIELD, "bf16").put(GradientPrecision.PRODUCTS_FIELD, 3);
        Path file = dir.resolve("bf16.json");
        s.write(file);
        ModelMetadata read = ModelMetadata.read(file);
        assertThat(read.gradientPrecision()).isEqualTo(GradientPrecision.BF16);
        // (1 + 2^-8)^6 - 1 by the binomial expansion: 6u + 15u² + 20u³ + 15u⁴ + 6u⁵ + u⁶
        double u = 1.0 / 256;
        double expanded = 6 * u
                + 15 * Math.pow(u, 2)
                + 20 * Math.pow(u, 3)
                + 15 * Math.pow(u, 4)
                + 6 * Math.pow(u, 5)
                + Math.pow(u, 6);
        assertThat(read.gradientTolerance()).isCloseTo(expanded, org.assertj.core.api.Assertions.offset(1e-15));
        assertThat(ExportCheck.gradientProblem(1.02, 1.4, 1.0, Math.sqrt(2), 3)).isPresent();
        assertThat(ExportCheck.gradientProblem(1.02, 1.4, 1.0, Math.sqrt(2), 3, read.gradientTolerance()))
                .isEmpty();
        assertThat(ExportCheck.gradientProblem(1.03, 1.4, 1.0, Math.sqrt(2), 3, read.gradientTolerance()))
                .get()
                .asString()
                .contains("L(1 + 0.0247)");

        s.architecture().remove(GradientPrecision.PRODUCTS_FIELD);
        s.write(file);
        assertThatThrownBy(() -> ModelMetadata.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("architecture.gradientPrecision is bf16 but architecture.gradientProducts");
        s.architecture().put(GradientPrecision.FIELD, "fp16");
        s.write(file);
        assertThatThrownBy(() -> ModelMetadata.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("unknown gradient precision 'fp16'");
    }

    @Test
    void shouldIgnoreFieldsItDoesNotKnow() throws IOException {
        Path file = dir.resolve(ModelMetadata.FILE_NAME);
        Files.writeString(file, sample().toJson().replaceFirst("\\{", "{\"futureField\": 1,"));

        assertThat(ModelMetadata.read(file).name()).isEqualTo("fmnist-dense");
    }

    @Test
    void shouldNameTheFileAndEveryProblemWhenInvalid() throws IOException {
        Path file = dir.resolve(ModelMetadata.FILE_NAME);
        Files.writeString(
                file,
                sample().toJson()
                        .replace("\"formatVersion\" : 1", "\"formatVersion\" : 9")
                        .replace("\"lipschitzConstant\" : 1.0", "\"lipschitzConstant\" : -1.0"));

        assertThatThrownBy(() -> ModelMetadata.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("formatVersion is 9")
                .hasMessageContaining("lipschitzConstant must be positive");
    }

    @Test
    void shouldRefuseTruncatedJson() throws IOException {
        Path file = dir.resolve(ModelMetadata.FILE_NAME);
        String json = sample().toJson();
        Files.writeString(file, json.substring(0, json.length() / 2));

        assertThatThrownBy(() -> ModelMetadata.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("not valid metadata JSON");
    }
}
