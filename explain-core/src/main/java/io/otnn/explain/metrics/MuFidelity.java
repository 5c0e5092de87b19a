package io.otnn.explain.metrics;

import io.otnn.checkpoint.ModelMetadata;
import java.util.Random;

/**
 * µFidelity (Bhatt et al. 2020; paper A.4.2; Xplique {@code MuFidelity}): per image, the Spearman correlation between
 * the drop f_c(x) − f_c(x̃_S) when a random subset S of grid cells is set to the baseline and the sum of the attribution
 * over S; averaged over images (a NaN correlation counts 0, as in Xplique). The image is cut into a {@code grid × grid}
 * grid and the cell mask resized to H×W by nearest neighbour with half-pixel centres (TensorFlow's
 * {@code tf.image.resize(method="nearest")}: pixel y takes cell ⌊(y + ½)·grid/H⌋); all channels of a removed pixel are
 * removed. One set of {@code samples} masks is drawn from the seed and shared by all images. Two samplings, {@link
 * Sampling}. Keeps the drawn subsets: one instance per thread.
 */
public final class MuFidelity {

    /** How the removed cells and the uniform baselines are drawn. */
    public enum Sampling {
        /**
         * Xplique 2021 – 2023-10 (the releases of the paper's time): exactly ⌊grid²·p⌋ + 1 cells per subset (its mask
         * is {@code argsort(rand) > ⌊grid²·p⌋}: 81 of 400 for a 20×20 grid at 20 %); the uniform baseline is one image
         * per image ({@code baseline_mode(inp)}), shared by its subsets, drawn from the seed and the image's index.
         */
        XPLIQUE_EXACT_COUNT,
        /**
         * This product's earlier reading (and Xplique's since 2023-10): each cell removed when U(0,1) ≤ p; the uniform
         * baseline is fresh per subset, the same for every image. The stream's online µFidelity uses it.
         */
        BERNOULLI
    }

    private final ModelMetadata.Input input;
    private final int grid;
    private final double subsetPercent;
    private final int samples;
    private final Baseline baseline;
    private final long seed;
    private final Sampling sampling;
    private boolean[][] removed;
    private float[][] baselines;

    /** Paper A.4.2 for 28×28 inputs: grid 20, 20 % of the variables, Xplique's default 200 subsets. */
    public MuFidelity(ModelMetadata.Input input, Baseline baseline, long seed) {
        this(input, 20, 0.2, 200, baseline, seed);
    }

    public MuFidelity(
            ModelMetadata.Input input, int grid, double subsetPercent, int samples, Baseline baseline, long seed) {
        this(input, grid, subsetPercent, samples, baseline, seed, Sampling.BERNOULLI);
    }

    public MuFidelity(
            ModelMetadata.Input input,
            int grid,
            double subsetPercent,
            int samples,
            Baseline baseline,
            long seed,
            Sampling sampling) {
        if (grid < 1) throw new IllegalArgumentException("µFidelity grid must be >= 1, got " + grid);
        if (samples < 2) throw new IllegalArgumentException("µFidelity needs >= 2 subsets, got " + samples);
        this.sampling = sampling;
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
            out[i] = probe(images[i], attributions[i], i).scoredBy(scorer, labels[i]);
        }
        return out;
    }

    public Sampling sampling() {
        return sampling;
    }

    public int samples() {
        return samples;
    }

    /**
     * The inputs that give one image's µFidelity: the image itself, then the image with each subset removed; its
     * value is that of {@link #perImage} for this image.
     */
    public PerturbedInputs probe(float[] image, float[] attribution) {
        return probe(image, attribution, 0);
    }

    /**
     * As {@link #probe(float[], float[])} for the image at {@code imageIndex} of a data set (with {@link
     * Sampling#XPLIQUE_EXACT_COUNT} and the uniform baseline, the index seeds that image's baseline).
     */
    public PerturbedInputs probe(float[] image, float[] attribution, int imageIndex) {
        float[] rows = perturbed(image, imageIndex);
        return new PerturbedInputs(rows, samples + 1, scores -> correlation(scores, attribution));
    }

    /**
     * The rows one image's µFidelity scores, whatever the attribution: the image itself, then the image with each
     * subset at the baseline. A caller that evaluates several attribution methods scores them once and hands each
     * method's map to {@link #correlation}.
     */
    public float[] perturbed(float[] image, int imageIndex) {
        int h = input.height();
        int w = input.width();
        int c = input.channels();
        int size = input.size();
        drawSubsets();
        float[] imageBaseline = null;
        if (sampling == Sampling.XPLIQUE_EXACT_COUNT) {
            imageBaseline = new float[size];
            baseline.fill(imageBaseline, new Random(seed * 1_000_003L + 1 + imageIndex), input.min(), input.max());
        }
        float[] batch = new float[(samples + 1) * size];
        System.arraycopy(image, 0, batch, 0, size);
        for (int s = 0; s < samples; s++) {
            int row = (s + 1) * size;
            float[] base = imageBaseline != null ? imageBaseline : baselines[s];
            for (int p = 0; p < h * w; p++) {
                for (int k = 0; k < c; k++) {
                    int q = p * c + k;
                    batch[row + q] = removed[s][p] ? base[q] : image[q];
                }
            }
        }
        return batch;
    }

    /**
     * One image's µFidelity from the scores of its {@link #perturbed} rows and its attribution: Spearman ρ between
     * the drops f(x) − f(x̃_S) and Σ_{i∈S} φ_i, 0 when undefined.
     */
    public double correlation(float[] scores, float[] attribution) {
        if (scores.length != samples + 1) {
            throw new IllegalArgumentException((samples + 1) + " rows but " + scores.length + " scores");
        }
        drawSubsets();
        int pixels = input.height() * input.width();
        int c = input.channels();
        double[] drop = new double[samples];
        double[] attr = new double[samples];
        for (int s = 0; s < samples; s++) {
            drop[s] = scores[0] - scores[s + 1];
            boolean[] cut = removed[s];
            double sum = 0;
            for (int p = 0; p < pixels; p++) {
                if (!cut[p]) continue;
                for (int k = 0; k < c; k++) sum += attribution[p * c + k];
            }
            attr[s] = sum;
        }
        double rho = Spearman.rho(drop, attr);
        return Double.isNaN(rho) ? 0.0 : rho;
    }

    /**
     * µFidelity as Xplique up to 1.3.0 scores a channel-reduced map φ of shape (H, W) (its Saliency and Grad-CAM
     * return one): {@code phi * (1 - masks)} broadcasts (H, W) against the masks' (S, H, W, 1) to (S, H, H, W), so
     * the sum over S is Σ_x (Σ_c φ[x, c]) · #{y : (y, x) removed}: row x of φ weighted by the removed pixels of
     * column x. Xplique 1.3.1 (2023-11) adds the channel axis first and gives {@link #correlation}. Needs H = W and
     * one channel (Xplique's broadcast fails otherwise); φ is summed over channels first.
     */
    public double correlationXpliqueBroadcast(float[] scores, float[] attribution) {
        int h = input.height();
        int w = input.width();
        if (h != w) throw new IllegalArgumentException("the (H, W) broadcast needs H = W, got " + h + "x" + w);
        drawSubsets();
        int c = input.channels();
        double[] rowSum = new double[h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) for (int k = 0; k < c; k++) rowSum[y] += attribution[(y * w + x) * c + k];
        }
        double[] drop = new double[samples];
        double[] attr = new double[samples];
        for (int s = 0; s < samples; s++) {
            drop[s] = scores[0] - scores[s + 1];
            double sum = 0;
            for (int x = 0; x < w; x++) {
                int removedInColumn = 0;
                for (int y = 0; y < h; y++) if (removed[s][y * w + x]) removedInColumn++;
                sum += rowSum[x] * removedInColumn;
            }
            attr[s] = sum;
        }
        double rho = Spearman.rho(drop, attr);
        return Double.isNaN(rho) ? 0.0 : rho;
    }

    /** Whether pixel {@code pixel} (row-major, channels excluded) is removed in subset {@code subset}. */
    boolean removed(int subset, int pixel) {
        drawSubsets();
        return removed[subset][pixel];
    }

    /** The one set of subsets (and their baselines) every image shares, drawn from the seed on first use. */
    private void drawSubsets() {
        if (removed != null) return;
        int h = input.height();
        int w = input.width();
        Random random = new Random(seed);
        boolean[][] cellsRemoved = new boolean[samples][h * w];
        float[][] drawn = new float[samples][input.size()];
        int cellCount = grid * grid;
        int exact = (int) (cellCount * subsetPercent) + 1;
        for (int s = 0; s < samples; s++) {
            boolean[] cells = new boolean[cellCount];
            if (sampling == Sampling.XPLIQUE_EXACT_COUNT) {
                // a uniformly random set of `exact` cells (partial Fisher–Yates), as Xplique's argsort mask gives
                int[] order = new int[cellCount];
                for (int k = 0; k < cellCount; k++) order[k] = k;
                for (int k = 0; k < Math.min(exact, cellCount); k++) {
                    int j = k + random.nextInt(cellCount - k);
                    int t = order[k];
                    order[k] = order[j];
                    order[j] = t;
                    cells[order[k]] = true;
                }
            } else {
                for (int k = 0; k < cells.length; k++) cells[k] = random.nextFloat() <= subsetPercent;
            }
            for (int y = 0; y < h; y++) {
                int gy = Math.min(grid - 1, (int) Math.floor((y + 0.5) * grid / h));
                for (int x = 0; x < w; x++) {
                    int gx = Math.min(grid - 1, (int) Math.floor((x + 0.5) * grid / w));
                    cellsRemoved[s][y * w + x] = cells[gy * grid + gx];
                }
            }
            if (sampling == Sampling.BERNOULLI) baseline.fill(drawn[s], random, input.min(), input.max());
        }
        baselines = drawn;
        removed = cellsRemoved;
    }
}
