package io.otnn.datasets;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An IDX data set in a model's input values: each image decoded by a {@link PixelDecoder} (so the model's
 * preprocessing applies), with its label. Read through the one {@link IdxReader}.
 */
public record IdxDataset(float[][] images, int[] labels, int height, int width) {

    /** Reads the first {@code limit} test images of {@code dir} ({@code t10k-*}), or all when limit ≤ 0. */
    public static IdxDataset readTestSet(Path dir, PixelDecoder decoder, int limit) throws IOException {
        try (IdxReader reader = IdxReader.openSplit(dir, "t10k")) {
            return read(reader, decoder, limit);
        }
    }

    public static IdxDataset read(Path imagesFile, Path labelsFile, PixelDecoder decoder, int limit)
            throws IOException {
        try (IdxReader reader = IdxReader.open(imagesFile, labelsFile)) {
            return read(reader, decoder, limit);
        }
    }

    /** Reads the next {@code limit} images of an open reader (all that are left when limit ≤ 0). */
    public static IdxDataset read(IdxReader reader, PixelDecoder decoder, int limit) throws IOException {
        int left = reader.count() - reader.position();
        int n = limit > 0 ? Math.min(limit, left) : left;
        float[][] x = new float[n][];
        int[] y = new int[n];
        byte[] pixels = new byte[reader.height() * reader.width()];
        for (int i = 0; i < n; i++) {
            y[i] = reader.next(pixels);
            x[i] = decoder.decodeGray8(pixels, reader.width(), reader.height());
        }
        return new IdxDataset(x, y, reader.height(), reader.width());
    }
}
