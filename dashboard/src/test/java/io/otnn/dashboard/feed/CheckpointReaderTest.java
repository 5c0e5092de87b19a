package io.otnn.dashboard.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.ModelCheckpoint;
import io.otnn.avro.Task;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.dashboard.state.ModelEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointReaderTest {

    @TempDir
    Path dir;

    private static ModelCheckpoint announcement(String uri) {
        return ModelCheckpoint.newBuilder()
                .setModelName("m")
                .setVersion(3)
                .setUri(uri)
                .setManifestDigest("00")
                .setTask(Task.MULTICLASS)
                .setClassNames(List.of("a", "b", "c"))
                .setInputShape(List.of(2, 2, 1))
                .setLipschitzConstant(1)
                .setCertificateFactor(Math.sqrt(2))
                .setTestAccuracy(0.8)
                .setCertifiedAccuracy(List.of())
                .setCreatedTime(Instant.ofEpochMilli(7))
                .build();
    }

    private void writeMetadata(String reference) throws Exception {
        Files.writeString(dir.resolve(ModelMetadata.FILE_NAME), """
                {"formatVersion": 1, "name": "m", "version": 3, "task": "MULTICLASS", "classNames": ["a", "b", "c"],
                 "input": {"shape": [2, 2, 1], "min": -1.0, "max": 1.0, "rawScale": 0.0078, "rawOffset": -1.0},
                 "lipschitzConstant": 1.0, "certificateFactor": 1.4142135623730951%s}
                """.formatted(reference));
    }

    @Test
    void shouldReadClassPriorsAndInputRangeWhenTheUriIsAReadableDirectory() throws Exception {
        writeMetadata(", \"reference\": {\"classPriors\": [0.5, 0.3, 0.2]}");

        ModelEntry entry = CheckpointReader.read(announcement(dir.toUri().toString()), 1);

        assertThat(entry.classPriors()).containsExactly(0.5, 0.3, 0.2);
        assertThat(entry.inputMin()).isEqualTo(-1.0);
        assertThat(entry.inputMax()).isEqualTo(1.0);
        assertThat(entry.metadataNote()).startsWith("class priors from");
        assertThat(entry.classNames()).containsExactly("a", "b", "c");
    }

    @Test
    void shouldSayThereAreNoPriorsWhenTheMetadataHasNoReference() throws Exception {
        writeMetadata("");

        ModelEntry entry = CheckpointReader.read(announcement(dir.toUri().toString()), 1);

        assertThat(entry.classPriors()).isNull();
        assertThat(entry.inputMin()).isEqualTo(-1.0);
        assertThat(entry.metadataNote()).startsWith("no reference.classPriors");
    }

    @Test
    void shouldGiveTheEntryWithoutPriorsWhenTheUriIsNotAFile() {
        ModelEntry entry = CheckpointReader.read(announcement("s3://bucket/model"), 1);

        assertThat(entry.classPriors()).isNull();
        assertThat(entry.testAccuracy()).isEqualTo(0.8);
        assertThat(entry.metadataNote()).contains("s3: URI");
    }

    @Test
    void shouldGiveTheEntryWithoutPriorsWhenTheDirectoryIsMissing() {
        ModelEntry entry =
                CheckpointReader.read(announcement(dir.resolve("gone").toUri().toString()), 1);

        assertThat(entry.classPriors()).isNull();
        assertThat(entry.metadataNote()).contains("no otnn-model.json");
    }
}
