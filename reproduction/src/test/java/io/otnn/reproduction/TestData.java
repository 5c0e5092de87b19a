package io.otnn.reproduction;

import io.otnn.datasets.SampleData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * A data folder laid out as {@code --data-dir} expects, from committed fixtures: {@code fashion-mnist/} is the datasets
 * module's Fashion-MNIST sample (2,000 train, 500 test), {@code mnist/} this module's MNIST 0/1 sample (the first 600
 * training and 200 test images of MNIST labelled 0 or 1, official IDX format).
 */
public final class TestData {

    static final String MNIST_SAMPLE = "/io/otnn/reproduction/mnist-01-sample/";
    static final List<String> IDX_FILES = List.of(
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz");

    private TestData() {}

    public static Path dataDir(Path root) throws IOException {
        Path fashion = Files.createDirectories(root.resolve("fashion-mnist"));
        Path sample = SampleData.extract(root.resolve("extracted"));
        try (Stream<Path> files = Files.list(sample)) {
            for (Path f : files.toList()) {
                Files.copy(f, fashion.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path mnist = Files.createDirectories(root.resolve("mnist"));
        for (String name : IDX_FILES) {
            try (InputStream in = TestData.class.getResourceAsStream(MNIST_SAMPLE + name)) {
                if (in == null) throw new IOException("missing test resource " + MNIST_SAMPLE + name);
                Files.copy(in, mnist.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return root;
    }
}
