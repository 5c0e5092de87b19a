package io.otnn.explain.attribution;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.Explainer;
import java.util.Arrays;

/**
 * RISE (Petsiuk et al. 2018; Xplique {@code Rise}): the score f_c of the image multiplied by random smooth masks M_k
 * (forward passes only), averaged with the masks as weights: φ = Σ_k f_c(x ⊙ M_k) M_k / (Σ_k M_k + 10⁻⁴), per pixel,
 * as Xplique's code computes it ({@link Normalisation#MASK_SUM}); the paper's estimator divides by N·p instead
 * ({@link Normalisation#EXPECTATION}). The masks are {@link RiseMasks}: one seeded set shared by every image of a call,
 * so results do not depend on how images are grouped. The map has one value per pixel, repeated on every channel.
 */
public final class Rise implements AttributionMethod {

    /** Xplique's {@code nb_samples}. */
    public static final int DEFAULT_MASKS = 4000;

    /** Few enough masks for a quick look (an eighth of the work; the maps are noisier). */
    public static final int QUICK_MASKS = 500;

    /** Xplique's {@code grid_size}. */
    public static final int DEFAULT_GRID = 7;

    /** Xplique's {@code preservation_probability}: the share of kept cells, the masks' expectation. */
    public static final double DEFAULT_PRESERVATION = 0.5;

    /** Masked copies of one image per model call. */
    public static final int BATCH = 256;

    /** Xplique's guard against a pixel no mask keeps. */
    static final double EPSILON = 1e-4;

    /** What the weighted sum of scores is divided by, per pixel. */
    public enum Normalisation {
        /** Σ_k M_k + 10⁻⁴ at the pixel (Xplique's code). */
        MASK_SUM,
        /** N · p (the paper's estimator, Xplique's documentation). */
        EXPECTATION
    }

    private final int masks;
    private final int grid;
    private final double preservation;
    private final Normalisation normalisation;
    private final long seed;

    /** Xplique's defaults: 4,000 masks, a 7 × 7 grid, p = 0.5, divided by the masks' sum; seed 0. */
    public Rise() {
        this(DEFAULT_MASKS, 0L);
    }

    public Rise(int masks, long seed) {
        this(masks, DEFAULT_GRID, DEFAULT_PRESERVATION, Normalisation.MASK_SUM, seed);
    }

    public Rise(int masks, int grid, double preservation, Normalisation normalisation, long seed) {
        if (masks < 1) throw new IllegalArgumentException("masks must be >= 1, got " + masks);
        if (grid < 1) throw new IllegalArgumentException("grid must be >= 1, got " + grid);
        if (!(preservation > 0 && preservation <= 1)) {
            throw new IllegalArgumentException("preservation probability must be in (0, 1], got " + preservation);
        }
        this.masks = masks;
        this.grid = grid;
        this.preservation = preservation;
        this.normalisation = java.util.Objects.requireNonNull(normalisation, "normalisation");
        this.seed = seed;
    }

    @Override
    public String name() {
        return "Rise";
    }

    public int masks() {
        return masks;
    }

    @Override
    public Rise withSeed(long newSeed) {
        return new Rise(masks, grid, preservation, normalisation, newSeed);
    }

    /** The masks this method draws for images of {@code height × width}. */
    RiseMasks masks(int height, int width) {
        return new RiseMasks(masks, grid, preservation, height, width, seed);
    }

    @Override
    public float[][] attribute(Explainer explainer, float[][] images, int[] labels) {
        ModelMetadata.Input input = explainer.metadata().input();
        int pixels = input.height() * input.width();
        int channels = input.channels();
        int size = input.size();
        int n = images.length;
        if (labels.length != n) throw new IllegalArgumentException(n + " images but " + labels.length + " labels");
        RiseMasks drawn = masks(input.height(), input.width());
        double[][] weighted = new double[n][pixels];
        double[] maskSum = new double[pixels];
        float[][] batchMasks = new float[Math.min(BATCH, masks)][];
        for (int start = 0; start < masks; start += BATCH) {
            int m = Math.min(BATCH, masks - start);
            for (int k = 0; k < m; k++) {
                batchMasks[k] = drawn.mask(start + k);
                for (int q = 0; q < pixels; q++) maskSum[q] += batchMasks[k][q];
            }
            float[] batch = new float[m * size];
            int[] batchLabels = new int[m];
            for (int i = 0; i < n; i++) {
                float[] image = images[i];
                if (image.length != size) {
                    throw new IllegalArgumentException(
                            "image " + i + " has " + image.length + " values, the model takes " + size);
                }
                for (int k = 0; k < m; k++) {
                    float[] mask = batchMasks[k];
                    int row = k * size;
                    for (int q = 0; q < pixels; q++) {
                        for (int ch = 0; ch < channels; ch++) {
                            batch[row + q * channels + ch] = image[q * channels + ch] * mask[q];
                        }
                    }
                }
                Arrays.fill(batchLabels, labels[i]);
                float[] scores = ClassGradients.scores(explainer, batch, m, batchLabels);
                double[] acc = weighted[i];
                for (int k = 0; k < m; k++) {
                    float[] mask = batchMasks[k];
                    double s = scores[k];
                    for (int q = 0; q < pixels; q++) acc[q] += s * mask[q];
                }
            }
        }
        float[][] out = new float[n][size];
        for (int i = 0; i < n; i++) {
            for (int q = 0; q < pixels; q++) {
                double divisor = normalisation == Normalisation.MASK_SUM ? maskSum[q] + EPSILON : masks * preservation;
                float v = (float) (weighted[i][q] / divisor);
                for (int ch = 0; ch < channels; ch++) out[i][q * channels + ch] = v;
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "Rise[masks=" + masks + ", grid=" + grid + ", p=" + preservation + ", " + normalisation + ", seed="
                + seed + "]";
    }
}
