package io.otnn.ingest.source;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * IDX files (MNIST, Fashion-MNIST), gzipped or not, with the official names:
 * {@code t10k-images-idx3-ubyte[.gz]} and {@code t10k-labels-idx1-ubyte[.gz]} (the test split, preferred) or
 * {@code train-images-idx3-ubyte[.gz]} and {@code train-labels-idx1-ubyte[.gz]}. An images file can also be given
 * directly; its labels file is found next to it by name.
 *
 * <p>Ids are {@code <folder name>/<split>/<index>}: stable across runs.
 */
public final class IdxSource implements ImageSource {

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

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
            for (String split : List.of("t10k", "train")) {
                Path images = firstExisting(path, split + "-images-idx3-ubyte");
                if (images != null) {
                    return new IdxSource(images, firstExisting(path, split + "-labels-idx1-ubyte"),
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
        Path labels = null;
        if (name.contains("-images-idx3-ubyte")) {
            labels = firstExisting(path.toAbsolutePath().getParent(),
                    name.substring(0, name.indexOf("-images-")) + "-labels-idx1-ubyte");
        }
        String split = name.contains("-") ? name.substring(0, name.indexOf('-')) : name;
        return new IdxSource(path, labels,
                path.toAbsolutePath().getParent().getFileName() + "/" + split);
    }

    private static Path firstExisting(Path dir, String base) {
        for (String candidate : List.of(base + ".gz", base)) {
            Path p = dir.resolve(candidate);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
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
        try (DataInputStream in = stream(images); DataInputStream labelIn = labels == null ? null : stream(labels)) {
            int magic = in.readInt();
            if (magic != IMAGES_MAGIC) {
                throw new IOException(images + " is not an IDX images file (magic " + Integer.toHexString(magic)
                        + ", expected 803)");
            }
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            int labelCount = -1;
            if (labelIn != null) {
                int labelMagic = labelIn.readInt();
                if (labelMagic != LABELS_MAGIC) {
                    throw new IOException(labels + " is not an IDX labels file");
                }
                labelCount = labelIn.readInt();
                if (labelCount != count) {
                    throw new IOException(labels + " has " + labelCount + " labels for " + count + " images");
                }
            }
            for (int i = 0; i < count; i++) {
                byte[] pixels = new byte[rows * cols];
                in.readFully(pixels);
                Integer label = labelIn == null ? null : labelIn.readUnsignedByte();
                if (!sink.accept(new SourceImage(prefix + "/" + i, "idx:" + prefix, cols, rows, 1, "RAW_U8", pixels,
                        label))) {
                    return;
                }
            }
        }
    }

    private static DataInputStream stream(Path path) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        if (path.getFileName().toString().endsWith(".gz")) {
            raw = new GZIPInputStream(raw, 1 << 16);
        }
        return new DataInputStream(raw);
    }
}
