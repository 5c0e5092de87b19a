package io.otnn.reference;

import io.otnn.checkpoint.CheckpointException;
import io.otnn.checkpoint.CheckpointManifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The reference checkpoint shipped inside this jar: a convolutional OTNN trained on the full Fashion-MNIST (its
 * command, time and figures are in this module's README and in {@link #provenance()}), so that the demo shows an
 * OTNN's saliency maps and counterfactuals on a fresh clone without training first.
 */
public final class ReferenceModel {

    /** The folder the checkpoint is extracted to, and its resource folder. */
    public static final String FOLDER = "fashion-mnist-cnn-otnn";

    private static final String PROVENANCE = FOLDER + ".properties";

    private ReferenceModel() {}

    /**
     * Copies the checkpoint into {@code dir/fashion-mnist-cnn-otnn} and returns that folder. A folder already there is
     * kept when it matches the manifest, and replaced otherwise; the copy is verified against the manifest before it
     * takes the folder's name, so a half-written or altered copy is never returned.
     */
    public static Path extract(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(FOLDER);
        if (intact(target)) {
            return target;
        }
        Path partial = Files.createTempDirectory(dir, FOLDER + ".partial-");
        try {
            copy(CheckpointManifest.FILE_NAME, partial);
            CheckpointManifest manifest = CheckpointManifest.read(partial);
            for (String file : manifest.digests().keySet()) {
                copy(file, partial);
            }
            manifest.verify(partial);
            deleteTree(target);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } finally {
            deleteTree(partial);
        }
    }

    /**
     * How the checkpoint was made and what it measured: {@code command}, {@code trained.seconds}, {@code
     * test.accuracy} (full test set), {@code sample.accuracy} (the 500 test images of the committed sample), ….
     */
    public static Properties provenance() {
        Properties properties = new Properties();
        try (InputStream in = ReferenceModel.class.getResourceAsStream(PROVENANCE)) {
            if (in == null) {
                throw new IllegalStateException(PROVENANCE + " is missing from the otnn-reference-model jar");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    private static boolean intact(Path target) {
        if (!Files.isDirectory(target)) {
            return false;
        }
        try {
            CheckpointManifest.read(target).verify(target);
            return true;
        } catch (CheckpointException e) {
            return false;
        }
    }

    private static void copy(String file, Path dir) throws IOException {
        try (InputStream in = ReferenceModel.class.getResourceAsStream(FOLDER + "/" + file)) {
            if (in == null) {
                throw new IOException(
                        "the reference checkpoint's " + file + " is missing from the otnn-reference-model jar");
            }
            Path destination = dir.resolve(file);
            Files.createDirectories(destination.getParent());
            Files.copy(in, destination, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
