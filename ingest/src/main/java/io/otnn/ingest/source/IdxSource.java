package io.otnn.ingest.source;

import io.otnn.datasets.IdxReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * IDX files (MNIST, Fashion-MNIST), gzipped or not, with the official names:
 * {@code t10k-images-idx3-ubyte[.gz]} and {@code t10k-labels-idx1-ubyte[.gz]} (the test split, preferred) or
 * {@code train-images-idx3-ubyte[.gz]} and {@code train-labels-idx1-ubyte[.gz]}. An images file can also be given
 * directly; its labels file is found next to it by name. Read with the data sets' one {@link IdxReader}.
 *
 * <p>Ids are {@code <folder name>/<split>/<index>}: stable across runs.
 */
public final class IdxSource implements ImageSource {

    private final Path images;
    private final Path labels;
    private final String prefix;

    private IdxSource(Path images, Path labels, String prefix) {
        this.images = images;
        this.labels = labels;
        this.prefix = prefix;
    }

    public static IdxSource open(Path path) {
        if (Files.isDirectory(path)) {
            for (String split : IdxReader.SPLITS) {
                Path images = IdxReader.findOrNull(path, split + "-images-idx3-ubyte");
                if (images != null) {
                    return new IdxSource(
                            images,
                            IdxReader.findOrNull(path, split + "-labels-idx1-ubyte"),
                            path.toAbsolutePath().normalize().getFileName() + "/" + split);
                }
            }
            throw new IllegalArgumentException("no IDX images in " + path
                    + " (expected t10k-images-idx3-ubyte[.gz] or train-images-idx3-ubyte[.gz])");
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("no such IDX file or folder: " + path);
        }
        String name = path.getFileName().toString();
        String split = name.contains("-") ? name.substring(0, name.indexOf('-')) : name;
        return new IdxSource(
                path,
                IdxReader.labelsNextTo(path),
                path.toAbsolutePath().getParent().getFileName() + "/" + split);
    }

    /** Whether labels were found next to the images. */
    public boolean hasLabels() {
        return labels != null;
    }

    @Override
    public String describe() {
        return "idx:" + images;
    }

    @Override
    public void forEach(ImageSink sink, Consumer<String> onSkipped) throws IOException {
        try (IdxReader reader = IdxReader.open(images, labels)) {
            for (int i = 0; reader.hasNext(); i++) {
                byte[] pixels = new byte[reader.height() * reader.width()];
                int label = reader.next(pixels);
                if (!sink.accept(new SourceImage(
                        prefix + "/" + i,
                        "idx:" + prefix,
                        reader.width(),
                        reader.height(),
                        1,
                        "RAW_U8",
                        pixels,
                        reader.hasLabels() ? Integer.valueOf(label) : null))) {
                    return;
                }
            }
        }
    }
}
