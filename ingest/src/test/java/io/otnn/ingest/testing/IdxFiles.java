package io.otnn.ingest.testing;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;
import java.util.zip.GZIPOutputStream;

/**
 * Writes an IDX split with the official names, as ingest's {@code idx:} source reads it: n images of rows×cols,
 * image i has every pixel i, label i % 10.
 */
public final class IdxFiles {
    private IdxFiles() {}

    /** The gzip files ({@code split-images-idx3-ubyte.gz}, ...). */
    public static Path writeIdx(Path dir, String split, int n, int rows, int cols) throws IOException {
        return writeIdx(dir, split, n, rows, cols, true);
    }

    public static Path writeIdx(Path dir, String split, int n, int rows, int cols, boolean gzip) throws IOException {
        return writeIdx(dir, split, n, rows, cols, gzip, i -> filled(rows * cols, i), i -> i % 10);
    }

    /**
     * Image i holds {@code pixels.apply(i)} (rows×cols bytes) and label {@code labels.applyAsInt(i)}; both are asked
     * for in the order i = 0, 1, ..., pixels first, so that they may draw from one generator.
     */
    public static Path writeIdx(
            Path dir,
            String split,
            int n,
            int rows,
            int cols,
            boolean gzip,
            IntFunction<byte[]> pixels,
            IntUnaryOperator labels)
            throws IOException {
        Files.createDirectories(dir);
        String suffix = gzip ? ".gz" : "";
        try (DataOutputStream images =
                        new DataOutputStream(open(dir.resolve(split + "-images-idx3-ubyte" + suffix), gzip));
                DataOutputStream labelFile =
                        new DataOutputStream(open(dir.resolve(split + "-labels-idx1-ubyte" + suffix), gzip))) {
            images.writeInt(0x803);
            images.writeInt(n);
            images.writeInt(rows);
            images.writeInt(cols);
            labelFile.writeInt(0x801);
            labelFile.writeInt(n);
            for (int i = 0; i < n; i++) {
                byte[] image = pixels.apply(i);
                if (image.length != rows * cols) {
                    throw new IllegalArgumentException(
                            "image " + i + " has " + image.length + " pixels, not " + rows * cols);
                }
                images.write(image);
                labelFile.writeByte(labels.applyAsInt(i));
            }
        }
        return dir;
    }

    private static byte[] filled(int size, int value) {
        byte[] pixels = new byte[size];
        Arrays.fill(pixels, (byte) value);
        return pixels;
    }

    private static OutputStream open(Path path, boolean gzip) throws IOException {
        OutputStream out = Files.newOutputStream(path);
        return gzip ? new GZIPOutputStream(out) : out;
    }
}
