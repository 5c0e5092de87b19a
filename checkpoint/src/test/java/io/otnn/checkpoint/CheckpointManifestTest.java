package io.otnn.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointManifestTest {

    @TempDir
    Path dir;

    @BeforeEach
    void writeFiles() throws IOException {
        Files.writeString(dir.resolve("saved_model.pb"), "graph");
        Files.createDirectories(dir.resolve("variables"));
        Files.writeString(dir.resolve("variables/variables.index"), "index");
    }

    @Test
    void shouldListEveryFileWithItsSha256InSha256sumFormat() throws Exception {
        CheckpointManifest.write(dir);

        String manifest = Files.readString(dir.resolve(CheckpointManifest.FILE_NAME));
        assertThat(manifest)
                .isEqualTo(hex("graph") + "  saved_model.pb\n" + hex("index") + "  variables/variables.index\n");
        assertThat(CheckpointManifest.read(dir).digest()).isEqualTo(hex(manifest));
    }

    @Test
    void shouldVerifyAnUntouchedCheckpoint() throws IOException {
        CheckpointManifest.write(dir);

        CheckpointManifest.read(dir).verify(dir);
    }

    @Test
    void shouldNameTheFileWhenItsBytesChanged() throws IOException {
        CheckpointManifest.write(dir);
        Files.writeString(dir.resolve("variables/variables.index"), "tampered");

        assertThatThrownBy(() -> CheckpointManifest.read(dir).verify(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("variables.index")
                .hasMessageContaining("tampered");
    }

    @Test
    void shouldNameTheFileWhenItIsMissing() throws IOException {
        CheckpointManifest.write(dir);
        Files.delete(dir.resolve("saved_model.pb"));

        assertThatThrownBy(() -> CheckpointManifest.read(dir).verify(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("saved_model.pb")
                .hasMessageContaining("missing");
    }

    @Test
    void shouldRefuseAFileAddedAfterExport() throws IOException {
        CheckpointManifest.write(dir);
        Files.writeString(dir.resolve("extra.bin"), "x");

        assertThatThrownBy(() -> CheckpointManifest.read(dir).verify(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("extra.bin")
                .hasMessageContaining("not listed");
    }

    @Test
    void shouldRefuseAMalformedOrAbsentManifest() throws Exception {
        assertThatThrownBy(() -> CheckpointManifest.read(dir)).hasMessageContaining("missing");

        Files.writeString(dir.resolve(CheckpointManifest.FILE_NAME), "not a digest line\n");
        assertThatThrownBy(() -> CheckpointManifest.read(dir)).hasMessageContaining("line 1");

        Files.writeString(dir.resolve(CheckpointManifest.FILE_NAME), hex("x") + "  ../outside\n");
        assertThatThrownBy(() -> CheckpointManifest.read(dir)).hasMessageContaining("outside");
    }

    private static String hex(String content) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8)));
    }
}
