package io.otnn.trainer;

import io.otnn.datasets.SampleData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The committed test fixture: the Fashion-MNIST sample of explain-core (2,000 train and 500 test images, gzip IDX);
 * and, for the {@code slow} tests only, the full data set.
 */
public final class Fixtures {
    private Fixtures() {}

    public static Path fashionMnistMini() {
        try {
            return SampleData.extract(Path.of("target", "test-data"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Full Fashion-MNIST (60,000 + 10,000 images, official IDX names): {@code -Dotnn.data.dir=DIR} (a directory holding
     * {@code fashion-mnist/}), else the first {@code shared/data/fashion-mnist} found next to the working directory or
     * one of its parents (the repository's {@code ../shared/data}). Fails, naming both ways, when neither exists.
     */
    public static Path fullFashionMnist() {
        String property = System.getProperty("otnn.data.dir");
        if (property != null && !property.isBlank()) {
            Path dir = Path.of(property).resolve("fashion-mnist");
            if (Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz"))) return dir;
            throw new IllegalStateException(
                    "-Dotnn.data.dir=" + property + " has no fashion-mnist/train-images-idx3-ubyte.gz");
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path dir = p.resolve("shared").resolve("data").resolve("fashion-mnist");
            if (Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz"))) return dir;
        }
        throw new IllegalStateException(
                "the slow tests need full Fashion-MNIST (train-images-idx3-ubyte.gz, ...): none in"
                        + " shared/data/fashion-mnist next to " + Path.of("").toAbsolutePath()
                        + " or a parent; set -Dotnn.data.dir=DIR");
    }
}
