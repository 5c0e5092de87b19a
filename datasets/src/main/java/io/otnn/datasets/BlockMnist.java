package io.otnn.datasets;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * BlockMNIST (Shah et al. 2021, paper A.4.2, Table 11): a 56×28 image stacking an MNIST digit (0 or 1) and a null block
 * in a seeded random order. The null block carries the same non-informative pattern for both classes (a centred 12×12
 * square outline, 2 pixels thick, at the input maximum), so a faithful saliency map leaves it dark.
 * {@code nullBlock[i][p]} tells whether pixel p of image i is in the null block. The trainer trains on it, the
 * explain-core evaluation measures attributions on it.
 */
public record BlockMnist(float[][] images, int[] labels, boolean[][] nullBlock) {

    public static final int HEIGHT = 56;
    public static final int WIDTH = 28;

    /**
     * Builds BlockMNIST from the images of {@code mnist} labelled 0 or 1 (the others are skipped), in order, with one
     * seeded draw per kept image for the digit's place; at most {@code limit} images (all when limit ≤ 0).
     */
    public static BlockMnist fromMnist(IdxDataset mnist, double max, long seed, int limit) {
        if (mnist.height() != 28 || mnist.width() != 28) throw new IllegalArgumentException("needs 28×28 MNIST");
        int s = 28 * 28;
        float[] pattern = nullBlockPattern(max);
        Random random = new Random(seed);
        List<float[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<boolean[]> masks = new ArrayList<>();
        for (int i = 0; i < mnist.images().length && (limit <= 0 || images.size() < limit); i++) {
            int label = mnist.labels()[i];
            if (label > 1) continue;
            boolean digitOnTop = random.nextBoolean();
            float[] x = new float[2 * s];
            boolean[] mask = new boolean[2 * s];
            System.arraycopy(mnist.images()[i], 0, x, digitOnTop ? 0 : s, s);
            System.arraycopy(pattern, 0, x, digitOnTop ? s : 0, s);
            Arrays.fill(mask, digitOnTop ? s : 0, digitOnTop ? 2 * s : s, true);
            images.add(x);
            labels.add(label);
            masks.add(mask);
        }
        return new BlockMnist(
                images.toArray(float[][]::new),
                labels.stream().mapToInt(Integer::intValue).toArray(),
                masks.toArray(boolean[][]::new));
    }

    /** The null block's 28×28 pattern: a centred 12×12 square outline, 2 pixels thick, at {@code max}. */
    public static float[] nullBlockPattern(double max) {
        float[] pattern = new float[28 * 28];
        for (int r = 8; r < 20; r++) {
            for (int c = 8; c < 20; c++) {
                if (r < 10 || r >= 18 || c < 10 || c >= 18) pattern[r * 28 + c] = (float) max;
            }
        }
        return pattern;
    }

    /** The images as one row-major {@code [N, 56, 28]} array. */
    public float[] flatImages() {
        int s = HEIGHT * WIDTH;
        float[] x = new float[images.length * s];
        for (int i = 0; i < images.length; i++) System.arraycopy(images[i], 0, x, i * s, s);
        return x;
    }
}
