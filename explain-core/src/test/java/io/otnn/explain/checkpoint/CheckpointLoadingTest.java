package io.otnn.explain.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.otnn.checkpoint.CheckpointException;
import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.checkpoint.SignatureContract;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.testing.CheckpointFixtures;
import io.otnn.explain.testing.FixtureModel;
import io.otnn.explain.testing.Fixtures;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointLoadingTest {

    @TempDir
    Path tmp;

    @Test
    void shouldLoadAndExplainWhenCheckpointIsADirectory() {
        try (OtnnModel model = OtnnModel.load(Fixtures.linear())) {
            assertThat(model.metadata().name()).isEqualTo("fixture-linear");
            assertThat(model.digest()).hasSize(64);
            assertThat(model.explain(Fixtures.images(1, 2, 60))).hasSize(2);
        }
    }

    @Test
    void shouldGiveSameExplanationsWhenCheckpointIsATarGzArchive() throws IOException {
        Path archive = tarGz(Fixtures.linear(), tmp.resolve("linear.tar.gz"), "fixture-linear/");
        float[][] images = Fixtures.images(2, 3, 60);
        List<ImageExplanation> fromDir;
        try (OtnnModel model = OtnnModel.load(Fixtures.linear())) {
            fromDir = model.explain(images);
        }
        try (OtnnModel model = OtnnModel.load(archive)) {
            List<ImageExplanation> fromArchive = model.explain(images);
            for (int i = 0; i < images.length; i++) {
                assertThat(fromArchive.get(i).scores())
                        .containsExactly(fromDir.get(i).scores());
                assertThat(fromArchive.get(i).counterfactual())
                        .containsExactly(fromDir.get(i).counterfactual());
            }
        }
    }

    @Test
    void shouldNameTheFileWhenAVariableIsTampered() throws IOException {
        Path copy = Fixtures.copy(Fixtures.linear(), tmp.resolve("ckpt"));
        Path variables;
        try (var list = Files.list(copy.resolve("variables"))) {
            variables = list.filter(p -> p.getFileName().toString().startsWith("variables.data"))
                    .findFirst()
                    .orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(variables);
        bytes[bytes.length / 2] ^= 1;
        Files.write(variables, bytes);

        assertThatThrownBy(() -> OtnnModel.load(copy))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(variables.getFileName().toString())
                .hasMessageContaining("tampered");
    }

    @Test
    void shouldRefuseWhenMetadataIsChangedAfterExport() throws IOException {
        Path copy = Fixtures.copy(Fixtures.linear(), tmp.resolve("ckpt"));
        Path json = copy.resolve(ModelMetadata.FILE_NAME);
        Files.writeString(
                json, Files.readString(json).replace("\"lipschitzConstant\" : 1.0", "\"lipschitzConstant\" : 0.5"));

        assertThatThrownBy(() -> OtnnModel.load(copy))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(ModelMetadata.FILE_NAME)
                .hasMessageContaining("SHA-256");
    }

    @Test
    void shouldRefuseWhenAFileIsMissingOrAdded() throws IOException {
        Path missing = Fixtures.copy(Fixtures.linear(), tmp.resolve("missing"));
        Files.delete(missing.resolve("saved_model.pb"));
        assertThatThrownBy(() -> OtnnModel.load(missing))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("saved_model.pb")
                .hasMessageContaining("missing");

        Path added = Fixtures.copy(Fixtures.linear(), tmp.resolve("added"));
        Files.writeString(added.resolve("extra.bin"), "x");
        assertThatThrownBy(() -> OtnnModel.load(added))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("extra.bin")
                .hasMessageContaining("not listed");
    }

    @Test
    void shouldNameTheGraphWhenSavedModelIsCorruptButSealed() throws IOException {
        Path copy = Fixtures.copy(Fixtures.linear(), tmp.resolve("ckpt"));
        Files.write(copy.resolve("saved_model.pb"), new byte[] {1, 2, 3, 4, 5});
        CheckpointManifest.write(copy); // as if the exporter had written a broken graph

        assertThatThrownBy(() -> OtnnModel.load(copy))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("saved_model.pb")
                .hasMessageContaining("cannot load");
    }

    @Test
    void shouldRefuseWhenArchiveIsTruncated() throws IOException {
        Path archive = tarGz(Fixtures.linear(), tmp.resolve("linear.tar.gz"), "");
        byte[] bytes = Files.readAllBytes(archive);
        Path truncated = tmp.resolve("truncated.tar.gz");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));

        assertThatThrownBy(() -> OtnnModel.load(truncated))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("truncated.tar.gz");
    }

    @Test
    void shouldRefuseWhenArchiveEntryEscapesTheDirectory() throws IOException {
        Path archive = tmp.resolve("evil.tar.gz");
        try (TarArchiveOutputStream out =
                new TarArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(archive)))) {
            TarArchiveEntry entry = new TarArchiveEntry("../../evil.txt");
            entry.setSize(1);
            out.putArchiveEntry(entry);
            out.write('x');
            out.closeArchiveEntry();
        }
        assertThatThrownBy(() -> OtnnModel.load(archive))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("escapes");
    }

    @Test
    void shouldNameTheSignatureWhenGraphDisagreesWithMetadata() throws IOException {
        FixtureModel model = Fixtures.linearModel();
        Path dir = CheckpointFixtures.export(
                tmp.resolve("ckpt"), model, CheckpointFixtures.metadata("x", model, Fixtures.SMALL_INPUT, 1.0));
        // claim 3 classes instead of 4, re-seal: the files verify, the graph does not match
        ModelMetadata meta = ModelMetadata.read(dir.resolve(ModelMetadata.FILE_NAME));
        new ModelMetadata(
                        meta.formatVersion(),
                        meta.name(),
                        meta.version(),
                        meta.createdAt(),
                        meta.task(),
                        CheckpointFixtures.classNames(3),
                        meta.input(),
                        1.0,
                        meta.certificateFactor(),
                        null,
                        null,
                        null,
                        null,
                        null)
                .write(dir.resolve(ModelMetadata.FILE_NAME));
        CheckpointManifest.write(dir);

        assertThatThrownBy(() -> OtnnModel.load(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("saved_model.pb")
                .hasMessageContaining("'logits'")
                .hasMessageContaining("[-1, 3]");
    }

    @Test
    void shouldListEveryMissingSignatureWhenContractIsNotMet() {
        ModelMetadata meta = CheckpointFixtures.metadata("x", Fixtures.linearModel(), Fixtures.SMALL_INPUT, 1.0);
        Map<String, Map<String, long[]>> inputs = Map.of("serving_default", Map.of("images", new long[] {-1, 6, 5, 2}));
        Map<String, Map<String, long[]>> outputs = Map.of("serving_default", Map.of("logits", new long[] {-1, 4}));

        assertThatThrownBy(() -> SignatureContract.check(Path.of("m/saved_model.pb"), meta, inputs, outputs))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'explain' is missing")
                .hasMessageContaining("'explain_to' is missing");
    }

    static Path tarGz(Path dir, Path archive, String prefix) throws IOException {
        try (OutputStream file = Files.newOutputStream(archive);
                TarArchiveOutputStream out = new TarArchiveOutputStream(new GZIPOutputStream(file));
                var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                TarArchiveEntry entry = new TarArchiveEntry(p.toFile(), prefix + dir.relativize(p));
                out.putArchiveEntry(entry);
                Files.copy(p, out);
                out.closeArchiveEntry();
            }
        }
        return archive;
    }
}
