package io.otnn.trainer.data;

import java.util.Random;

/**
 * BlockMNIST (Shah et al. 2021, paper A.4.2): each 56×28 image stacks a digit block and a null block, in a random
 * order; the null block carries the same non-informative pattern (a square outline) for every class, so a faithful
 * saliency map should leave it dark. Built from a binary data set of 28×28 images (e.g. MNIST 0 vs 1).
 */
public final class BlockMnist {

    private BlockMnist() {
    }

    public static Dataset of(Dataset digits, long seed) {
        if (digits.height() != 28 || digits.width() != 28 || digits.channels() != 1 || !digits.binary()) {
            throw new IllegalArgumentException("BlockMNIST needs a binary data set of 28x28x1 images");
        }
        int s = 28 * 28;
        float[] nullBlock = nullBlock();
        float[] x = new float[digits.size() * 2 * s];
        Random random = new Random(seed);
        for (int i = 0; i < digits.size(); i++) {
            boolean digitOnTop = random.nextBoolean();
            System.arraycopy(digits.images(), i * s, x, (2 * i + (digitOnTop ? 0 : 1)) * s, s);
            System.arraycopy(nullBlock, 0, x, (2 * i + (digitOnTop ? 1 : 0)) * s, s);
        }
        return new Dataset(x, digits.labels().clone(), 56, 28, 1, digits.classNames(), true);
    }

    /** A centred 12×12 square outline, 2 pixels thick, at full intensity. */
    static float[] nullBlock() {
        float[] b = new float[28 * 28];
        for (int r = 8; r < 20; r++) {
            for (int c = 8; c < 20; c++) {
                boolean edge = r < 10 || r >= 18 || c < 10 || c >= 18;
                if (edge) b[r * 28 + c] = 1f;
            }
        }
        return b;
    }
}
