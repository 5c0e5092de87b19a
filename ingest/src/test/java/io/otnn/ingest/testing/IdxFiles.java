package io.otnn.ingest.testing;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * Writes an IDX split with the official names, as ingest's {@code idx:} source reads it: n images of rows×cols,
 * image i has every pixel i, label i % 10.
 */
public final class IdxFiles {
    private IdxFiles() {
    }

    /** The gzip files ({@code split-images-idx3-ubyte.gz}, ...). */
    public static Path writeIdx(Path dir, String split, int n, int rows, int cols) throws IOException {
        return writeIdx(dir, split, n, rows, cols, true);
    }

    public static Path writeIdx(Path dir, String split, int n, int rows, int cols, boolean gzip) throws IOException {
        Files.createDirectories(dir);
        String suffix = gzip ? ".gz" : "";
        try (DataOutputStream images = new DataOutputStream(open(dir.resolve(split + "-images-idx3-ubyte" + suffix),
                gzip)); DataOutputStream labels = new DataOutputStream(open(dir.resolve(split
                + "-labels-idx1-ubyte" + suffix), gzip))) {
            images.writeInt(0x803);
            images.writeInt(n);
            images.writeInt(rows);
            images.writeInt(cols);
            labels.writeInt(0x801);
            labels.writeInt(n);
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < rows * cols; p++) {
                    images.writeByte(i);
                }
                labels.writeByte(i % 10);
            }
        }
        return dir;
    }

    private static OutputStream open(Path path, boolean gzip) throws IOException {
        OutputStream out = Files.newOutputStream(path);
        return gzip ? new GZIPOutputStream(out) : out;
    }
}
