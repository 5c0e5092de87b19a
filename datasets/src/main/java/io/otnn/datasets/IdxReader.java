package io.otnn.datasets;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The product's one reader of IDX files (MNIST, Fashion-MNIST): an {@code *-images-idx3-ubyte} file of 8-bit images
 * and, optionally, its {@code *-labels-idx1-ubyte} file, gzipped or not (told by the content, not the name). It checks
 * both headers on {@link #open} and hands out one image at a time, so a caller may stop early or keep all.
 * Every error names the file and what is wrong.
 */
public final class IdxReader implements AutoCloseable {

    /** The official splits, in the order a folder is searched for a test set: the test split first. */
    public static final List<String> SPLITS = List.of("t10k", "train");

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private final Path imagesFile;
    private final Path labelsFile;
    private final DataInputStream images;
    private final DataInputStream labels;
    private final int count;
    private final int height;
    private final int width;
    private int read;

    private IdxReader(
            Path imagesFile,
            Path labelsFile,
            DataInputStream images,
            DataInputStream labels,
            int count,
            int height,
            int width) {
        this.imagesFile = imagesFile;
        this.labelsFile = labelsFile;
        this.images = images;
        this.labels = labels;
        this.count = count;
        this.height = height;
        this.width = width;
    }

    /** Opens the {@code split} ("train", "t10k") of the folder {@code dir}, with its labels. */
    public static IdxReader openSplit(Path dir, String split) throws IOException {
        return open(find(dir, split + "-images-idx3-ubyte"), find(dir, split + "-labels-idx1-ubyte"));
    }

    /** Opens an images file and its labels file ({@code null}: no labels); checks both headers. */
    public static IdxReader open(Path imagesFile, Path labelsFile) throws IOException {
        DataInputStream images = stream(imagesFile);
        DataInputStream labels = null;
        try {
            int magic = header(images, imagesFile);
            if (magic != IMAGES_MAGIC) {
                throw new IOException(imagesFile + ": not an IDX image file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x803)");
            }
            int count = header(images, imagesFile);
            int height = header(images, imagesFile);
            int width = header(images, imagesFile);
            if (count < 0 || height < 1 || width < 1) {
                throw new IOException(imagesFile + ": declares " + count + " images of " + height + "×" + width);
            }
            if (labelsFile != null) {
                labels = stream(labelsFile);
                int labelMagic = header(labels, labelsFile);
                if (labelMagic != LABELS_MAGIC) {
                    throw new IOException(labelsFile + ": not an IDX label file (magic 0x"
                            + Integer.toHexString(labelMagic) + ", expected 0x801)");
                }
                int labelCount = header(labels, labelsFile);
                if (labelCount != count) {
                    throw new IOException(
                            labelsFile + ": " + labelCount + " labels for " + count + " images in " + imagesFile);
                }
            }
            return new IdxReader(imagesFile, labelsFile, images, labels, count, height, width);
        } catch (IOException | RuntimeException e) {
            images.close();
            if (labels != null) labels.close();
            throw e;
        }
    }

    /**
     * The file {@code dir/base.gz}, else {@code dir/base}.
     *
     * @throws IOException naming {@code base.gz} as missing when neither is there
     */
    public static Path find(Path dir, String base) throws IOException {
        Path found = findOrNull(dir, base);
        if (found == null) {
            throw new IOException(dir.resolve(base + ".gz") + ": missing (neither " + base + ".gz nor " + base
                    + " is in " + dir + ")");
        }
        return found;
    }

    /** The file {@code dir/base.gz}, else {@code dir/base}, else null. */
    public static Path findOrNull(Path dir, String base) {
        for (String name : List.of(base + ".gz", base)) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        return null;
    }

    /** The labels file next to an images file named {@code <split>-images-idx3-ubyte[.gz]}, or null. */
    public static Path labelsNextTo(Path imagesFile) {
        String name = imagesFile.getFileName().toString();
        int at = name.indexOf("-images-idx3-ubyte");
        if (at < 0) return null;
        return findOrNull(imagesFile.toAbsolutePath().getParent(), name.substring(0, at) + "-labels-idx1-ubyte");
    }

    public int count() {
        return count;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public boolean hasLabels() {
        return labels != null;
    }

    /** How many images were read. */
    public int position() {
        return read;
    }

    /** Whether an image is left to read. */
    public boolean hasNext() {
        return read < count;
    }

    /** Reads the next image's {@code height × width} bytes into {@code pixels} and returns its label (−1 without labels). */
    public int next(byte[] pixels) throws IOException {
        if (pixels.length != height * width) {
            throw new IllegalArgumentException(
                    "an image of " + imagesFile + " has " + height * width + " bytes, got " + pixels.length);
        }
        if (!hasNext()) throw new IllegalStateException(imagesFile + ": all " + count + " images were read");
        try {
            images.readFully(pixels);
        } catch (EOFException e) {
            throw new IOException(
                    imagesFile + ": truncated (declares " + count + " images, ends in image " + read + ")", e);
        }
        int label = -1;
        if (labels != null) {
            try {
                label = labels.readUnsignedByte();
            } catch (EOFException e) {
                throw new IOException(
                        labelsFile + ": truncated (declares " + count + " labels, ends at " + read + ")", e);
            }
        }
        read++;
        return label;
    }

    /**
     * Reads the next {@code limit} images (all that are left when limit ≤ 0) as one row-major {@code [N, H, W]} byte
     * array, with their labels.
     */
    public IdxImages readAll(int limit) throws IOException {
        int n = limit > 0 ? Math.min(limit, count - read) : count - read;
        int size = height * width;
        byte[] pixels = new byte[Math.multiplyExact(n, size)];
        int[] y = labels == null ? null : new int[n];
        byte[] one = new byte[size];
        for (int i = 0; i < n; i++) {
            int label = next(one);
            System.arraycopy(one, 0, pixels, i * size, size);
            if (y != null) y[i] = label;
        }
        return new IdxImages(pixels, y, n, height, width);
    }

    @Override
    public void close() throws IOException {
        try {
            images.close();
        } finally {
            if (labels != null) labels.close();
        }
    }

    private static int header(DataInputStream in, Path file) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new IOException(file + ": truncated (no complete IDX header)", e);
        }
    }

    private static DataInputStream stream(Path file) throws IOException {
        InputStream in;
        try {
            in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        } catch (IOException e) {
            throw new IOException(file + ": unreadable: " + e.getMessage(), e);
        }
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        if (b1 == 0x1f && b2 == 0x8b) in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        return new DataInputStream(in);
    }
}
