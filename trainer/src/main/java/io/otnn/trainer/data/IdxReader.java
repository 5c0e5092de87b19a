package io.otnn.trainer.data;

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
 * IDX files (MNIST, Fashion-MNIST) with the official names ({@code train-images-idx3-ubyte[.gz]}, …), gzip or not.
 * Pixels are mapped to [0, 1] (raw / 255), the paper's preprocessing (A.2.1).
 */
public final class IdxReader {

    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    public static final List<String> MNIST_CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private IdxReader() {
    }

    /** Reads {@code train-*} and {@code t10k-*} from {@code dir}. */
    public static Dataset[] readTrainAndTest(Path dir, List<String> classNames) {
        if (!Files.isDirectory(dir)) {
            throw new DataException(dir + ": no such directory (expected the IDX files train-images-idx3-ubyte.gz, …)");
        }
        return new Dataset[] {read(dir, "train", classNames), read(dir, "t10k", classNames)};
    }

    public static Dataset read(Path dir, String prefix, List<String> classNames) {
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        Path labels = find(dir, prefix + "-labels-idx1-ubyte");
        int[] shape = new int[3];
        byte[] pixels = readImages(images, shape);
        int[] y = readLabels(labels);
        if (y.length != shape[0]) {
            throw new DataException(labels + ": " + y.length + " labels for " + shape[0] + " images in " + images);
        }
        float[] x = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) x[i] = (pixels[i] & 0xff) / 255f;
        for (int l : y) {
            if (l >= classNames.size()) throw new DataException(labels + ": label " + l + " but only " + classNames.size() + " classes");
        }
        return new Dataset(x, y, shape[1], shape[2], 1, classNames, false);
    }

    private static Path find(Path dir, String base) {
        for (String name : List.of(base + ".gz", base)) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        throw new DataException(dir.resolve(base + ".gz") + ": missing (neither " + base + ".gz nor " + base + " is in " + dir + ")");
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        if (b1 == 0x1f && b2 == 0x8b) in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        return new DataInputStream(in);
    }

    static byte[] readImages(Path file, int[] shape) {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != IMAGES_MAGIC) {
                throw new DataException(file + ": not an IDX image file (magic 0x" + Integer.toHexString(magic) + ", expected 0x803)");
            }
            shape[0] = in.readInt();
            shape[1] = in.readInt();
            shape[2] = in.readInt();
            byte[] data = new byte[shape[0] * shape[1] * shape[2]];
            in.readFully(data);
            return data;
        } catch (EOFException e) {
            throw new DataException(file + ": truncated", e);
        } catch (IOException e) {
            throw new DataException(file + ": unreadable: " + e.getMessage(), e);
        }
    }

    static int[] readLabels(Path file) {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != LABELS_MAGIC) {
                throw new DataException(file + ": not an IDX label file (magic 0x" + Integer.toHexString(magic) + ", expected 0x801)");
            }
            int n = in.readInt();
            byte[] data = new byte[n];
            in.readFully(data);
            int[] y = new int[n];
            for (int i = 0; i < n; i++) y[i] = data[i] & 0xff;
            return y;
        } catch (EOFException e) {
            throw new DataException(file + ": truncated", e);
        } catch (IOException e) {
            throw new DataException(file + ": unreadable: " + e.getMessage(), e);
        }
    }
}
