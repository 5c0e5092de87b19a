package io.otnn.cli.ingest;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes a gzip IDX split as ingest's {@code idx:} source reads it: image i has every pixel i, label i % 10. */
final class IdxFiles {
    private IdxFiles() {
    }

    static Path writeIdx(Path dir, String split, int n, int rows, int cols) throws IOException {
        Files.createDirectories(dir);
        try (DataOutputStream images = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(
                dir.resolve(split + "-images-idx3-ubyte.gz"))));
             DataOutputStream labels = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(
                     dir.resolve(split + "-labels-idx1-ubyte.gz"))))) {
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
}
