package io.otnn.explain.metrics;

import io.otnn.checkpoint.ModelMetadata;
import java.util.Random;

/**
 * µFidelity (Bhatt et al. 2020; paper A.4.2; Xplique {@code MuFidelity}): per image, the Spearman correlation between
 * the drop f_c(x) − f_c(x̃_S) when a random subset S of grid cells is set to the baseline and the sum of the attribution
 * over S; averaged over images (a NaN correlation counts 0, as in Xplique). Xplique's sampling: the image is cut into a
 * {@code grid × grid} grid, each cell is removed when a uniform draw is ≤ {@code subsetPercent}, the cell mask is
 * resized to H×W by nearest neighbour; one set of {@code samples} masks (and uniform baselines) is drawn from the seed
 * and shared by all images. All channels of a removed pixel are removed. Keeps the drawn subsets: one instance per
 * thread.
 */
public final class MuFidelity {

    private final ModelMetadata.Input input;
    private final int grid;
    private final double subsetPercent;
    private final int samples;
    private final Baseline baseline;
    private final long seed;
    private boolean[][] removed;
    private float[][] baselines;

    /** Paper A.4.2 for 28×28 inputs: grid 20, 20 % of the variables, Xplique's default 200 subsets. */
    public MuFidelity(ModelMetadata.Input input, Baseline baseline, long seed) {
        this(input, 20, 0.2, 200, baseline, seed);
    }

    public MuFidelity(
            ModelMetadata.Input input, int grid, double subsetPercent, int samples, Baseline baseline, long seed) {
        this.input = input;
        this.grid = grid;
        this.subsetPercent = subsetPercent;
        this.samples = samples;
        this.baseline = baseline;
        this.seed = seed;
    }

    /** µFidelity of each image. */
    public double[] perImage(Scorer scorer, float[][] images, int[] labels, float[][] attributions) {
        double[] out = new double[images.length];
        for (int i = 0; i < images.length; i++) {
            out[i] = probe(images[i], attributions[i]).scoredBy(scorer, labels[i]);
        }
        return out;
    }

    /**
     * The inputs that give one image's µFidelity: the image itself, then the image with each subset removed; its
     * value is that of {@link #perImage} for this image.
     */
    public PerturbedInputs probe(float[] image, float[] attribution) {
        int h = input.height();
        int w = input.width();
        int c = input.channels();
        int size = input.size();
        drawSubsets();
        float[] batch = new float[(samples + 1) * size];
        System.arraycopy(image, 0, batch, 0, size);
        double[] attr = new double[samples];
        for (int s = 0; s < samples; s++) {
            int row = (s + 1) * size;
            for (int p = 0; p < h * w; p++) {
                for (int k = 0; k < c; k++) {
                    int q = p * c + k;
                    if (removed[s][p]) {
                        batch[row + q] = baselines[s][q];
                        attr[s] += attribution[q];
                    } else {
                        batch[row + q] = image[q];
                    }
                }
            }
        }
        return new PerturbedInputs(batch, samples + 1, scores -> {
            double[] drop = new double[samples];
            for (int s = 0; s < samples; s++) drop[s] = scores[0] - scores[s + 1];
            double rho = Spearman.rho(drop, attr);
            return Double.isNaN(rho) ? 0.0 : rho;
        });
    }

    /** The one set of subsets (and their baselines) every image shares, drawn from the seed on first use. */
    private void drawSubsets() {
        if (removed != null) return;
        int h = input.height();
        int w = input.width();
        Random random = new Random(seed);
        boolean[][] cellsRemoved = new boolean[samples][h * w];
        float[][] drawn = new float[samples][input.size()];
        for (int s = 0; s < samples; s++) {
            boolean[] cells = new boolean[grid * grid];
            for (int k = 0; k < cells.length; k++) cells[k] = random.nextFloat() <= subsetPercent;
            for (int y = 0; y < h; y++) {
                int gy = Math.min(grid - 1, (int) Math.floor((y + 0.5) * grid / h));
                for (int x = 0; x < w; x++) {
                    int gx = Math.min(grid - 1, (int) Math.floor((x + 0.5) * grid / w));
                    cellsRemoved[s][y * w + x] = cells[gy * grid + gx];
                }
            }
            baseline.fill(drawn[s], random, input.min(), input.max());
        }
        baselines = drawn;
        removed = cellsRemoved;
    }
}
