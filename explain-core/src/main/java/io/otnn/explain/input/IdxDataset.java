package io.otnn.explain.input;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * MNIST-style IDX files ({@code *-images-idx3-ubyte[.gz]}, {@code *-labels-idx1-ubyte[.gz]}), as Fashion-MNIST and MNIST
 * ship: 8-bit images decoded through an {@link ImageDecoder} (so the model's preprocessing applies) and labels.
 */
public record IdxDataset(float[][] images, int[] labels, int height, int width) {

    /** Reads the first {@code limit} test images of {@code dir} ({@code t10k-*}), or all when limit ≤ 0. */
    public static IdxDataset readTestSet(Path dir, ImageDecoder decoder, int limit) throws IOException {
        return read(find(dir, "t10k-images-idx3-ubyte"), find(dir, "t10k-labels-idx1-ubyte"), decoder, limit);
    }

    public static IdxDataset read(Path imagesFile, Path labelsFile, ImageDecoder decoder, int limit) throws IOException {
        try (DataInputStream images = open(imagesFile); DataInputStream labels = open(labelsFile)) {
            if (images.readInt() != 0x00000803) throw new IOException(imagesFile + ": not an IDX3 ubyte file");
            if (labels.readInt() != 0x00000801) throw new IOException(labelsFile + ": not an IDX1 ubyte file");
            int count = images.readInt();
            int h = images.readInt();
            int w = images.readInt();
            if (labels.readInt() != count) throw new IOException(labelsFile + ": label count differs from " + imagesFile);
            int n = limit > 0 ? Math.min(limit, count) : count;
            float[][] x = new float[n][];
            int[] y = new int[n];
            byte[] pixels = new byte[h * w];
            for (int i = 0; i < n; i++) {
                images.readFully(pixels);
                x[i] = decoder.decode(PixelFormat.RAW_U8, pixels, w, h, 1);
                y[i] = labels.readUnsignedByte();
            }
            return new IdxDataset(x, y, h, w);
        }
    }

    private static Path find(Path dir, String stem) throws IOException {
        for (String name : new String[] {stem + ".gz", stem}) {
            if (Files.isRegularFile(dir.resolve(name))) return dir.resolve(name);
        }
        throw new IOException(dir + ": has no " + stem + "[.gz]");
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file));
        return new DataInputStream(file.toString().endsWith(".gz") ? new GZIPInputStream(in) : in);
    }
}
