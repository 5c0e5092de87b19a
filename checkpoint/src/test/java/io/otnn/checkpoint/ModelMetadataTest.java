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
