package io.otnn.streams.batching.commit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Kafka Streams' internal API is used in one package, {@code io.otnn.streams.batching.commit}: no other source file
 * of any module, and no other compiled class of this module, names {@code org.apache.kafka.streams.processor.internals}
 * or {@code org.apache.kafka.streams.state.internals}.
 */
class InternalApiSeamTest {

    // spelled in two parts so that this file does not name them itself
    private static final List<String> INTERNAL_PACKAGES = List.of(
            "org.apache.kafka.streams." + "processor.internals", "org.apache.kafka.streams." + "state.internals");
    private static final String SEAM = "io/otnn/streams/batching/commit/";

    @Test
    void shouldFindKafkaStreamsInternalsOnlyInTheSeamWhenEverySourceFileOfTheRepositoryIsRead() throws IOException {
        Path root = repositoryRoot();
        List<Path> sources;
        try (Stream<Path> files = Files.walk(root)) {
            sources = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> p.toString().contains("/src/"))
                    .filter(p -> !p.toString().contains("/target/"))
                    .toList();
        }
        assertThat(sources).as("source files found under %s", root).hasSizeGreaterThan(100);

        List<String> offenders = sources.stream()
                .filter(p -> !p.toString().replace('\\', '/').contains(SEAM))
                .filter(p -> INTERNAL_PACKAGES.stream().anyMatch(read(p)::contains))
                .map(p -> root.relativize(p).toString())
                .toList();
        assertThat(offenders)
                .as("files outside %s that use Kafka Streams internals", SEAM)
                .isEmpty();
        assertThat(sources.stream()
                        .filter(p -> p.toString().replace('\\', '/').contains(SEAM))
                        .filter(p -> INTERNAL_PACKAGES.stream().anyMatch(read(p)::contains)))
                .as("the seam itself uses them (else this test proves nothing)")
                .isNotEmpty();
    }

    @Test
    void shouldFindKafkaStreamsInternalsOnlyInTheSeamWhenEveryCompiledClassOfTheModuleIsRead() throws IOException {
        Path classes = Path.of("target", "classes", "io", "otnn");
        List<Path> compiled;
        try (Stream<Path> files = Files.walk(classes)) {
            compiled = files.filter(p -> p.toString().endsWith(".class")).toList();
        }
        assertThat(compiled).as("compiled classes under %s", classes).hasSizeGreaterThan(50);
        // a class's constant pool names every type it uses, imported or written out in full
        List<String> binaryNames =
                INTERNAL_PACKAGES.stream().map(p -> p.replace('.', '/') + "/").toList();
        List<String> offenders = compiled.stream()
                .filter(p -> !p.toString().replace('\\', '/').contains(SEAM))
                .filter(p -> binaryNames.stream().anyMatch(new String(bytes(p), StandardCharsets.ISO_8859_1)::contains))
                .map(Path::toString)
                .toList();
        assertThat(offenders)
                .as("classes outside %s that use Kafka Streams internals", SEAM)
                .isEmpty();
    }

    /** The repository root: the nearest parent with a pom.xml that lists this module. */
    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            Path pom = p.resolve("pom.xml");
            if (Files.isRegularFile(pom) && read(pom).contains("<module>stream-explainer</module>")) {
                return p;
            }
        }
        throw new IllegalStateException("no parent pom listing stream-explainer above " + dir);
    }

    private static String read(Path file) {
        return new String(bytes(file), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
