package io.otnn.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A small Fashion-MNIST sample shipped inside this jar, so that the demo and the tests run on a fresh clone without
 * downloading anything: the first 2,000 training and 500 test images of the official files, as gzip IDX files with
 * the official names (see the README of {@code ../shared/data} for the provenance).
 */
public final class SampleData {

    /** The four IDX files of the sample. */
    public static final List<String> FILES = List.of(
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz");

    private static final String RESOURCE_FOLDER = "fashion-mnist-sample/";

    private SampleData() {}

    /**
     * Copies the sample into {@code dir/fashion-mnist-sample} (once: existing files are kept) and returns that folder,
     * ready for any reader of IDX folders.
     */
    public static Path extract(Path dir) throws IOException {
        Path target = dir.resolve("fashion-mnist-sample");
        Files.createDirectories(target);
        for (String name : FILES) {
            Path file = target.resolve(name);
            if (Files.isRegularFile(file)) {
                continue;
            }
            try (InputStream in = SampleData.class.getResourceAsStream(RESOURCE_FOLDER + name)) {
                if (in == null) {
                    throw new IOException("the sample file " + name + " is missing from the otnn-datasets jar");
                }
                Path partial = target.resolve(name + ".partial");
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return target;
    }
}
