package io.otnn.explain.metrics;

import io.otnn.checkpoint.ModelMetadata;
import java.util.Arrays;
import java.util.Random;

/**
 * Deletion and Insertion (Petsiuk et al. 2018; paper A.4.2; Xplique {@code Deletion}/{@code Insertion}): pixels are
 * ranked by the attribution (channel mean, descending, signed as Xplique does), then {@code steps + 1} images are
 * scored with the top 0, d/steps, …, d pixels set to the baseline (deletion) or restored onto the baseline
 * (insertion); the area under the score curve is the trapezoidal mean over the steps. Xplique's defaults: 10 steps, up to
 * 100 % of the pixels. The uniform baseline is one seeded uniform image per image.
 */
public final class CausalFidelity {

    public enum Mode {
        DELETION,
        INSERTION
    }

    private final ModelMetadata.Input input;
    private final Mode mode;
    private final Baseline baseline;
    private final int steps;
    private final long seed;

    public CausalFidelity(ModelMetadata.Input input, Mode mode, Baseline baseline, long seed) {
        this(input, mode, baseline, 10, seed);
    }

    public CausalFidelity(ModelMetadata.Input input, Mode mode, Baseline baseline, int steps, long seed) {
        this.input = input;
        this.mode = mode;
        this.baseline = baseline;
        this.steps = steps;
        this.seed = seed;
    }

    /** The AUC of each image. */
    public double[] perImage(Scorer scorer, float[][] images, int[] labels, float[][] attributions) {
        Random random = new Random(seed);
        double[] out = new double[images.length];
        for (int i = 0; i < images.length; i++) {
            out[i] = probe(images[i], attributions[i], random).scoredBy(scorer, labels[i]);
        }
        return out;
    }

    /**
     * The {@code steps + 1} inputs that give one image's AUC; its value is that of {@link #perImage} for this image
     * alone (with the uniform baseline, the first image the seed draws).
     */
    public PerturbedInputs probe(float[] image, float[] attribution) {
        return probe(image, attribution, new Random(seed));
    }

    /**
     * The inputs of the image at {@code imageIndex} of a data set, its uniform baseline drawn from the seed and the
     * index (so that images can be probed in any order and batched across images).
     */
    public PerturbedInputs probe(float[] image, float[] attribution, int imageIndex) {
        return probe(image, attribution, new Random(seed * 1_000_003L + 1 + imageIndex));
    }

    public Mode mode() {
        return mode;
    }

    public Baseline baseline() {
        return baseline;
    }

    /**
     * The baseline of the image at {@code imageIndex} of a data set ({@link #probe(float[], float[], int)}): the last
     * deletion row and the first insertion row.
     */
    public float[] baselineImage(int imageIndex) {
        float[] base = new float[input.size()];
        baseline.fill(base, new Random(seed * 1_000_003L + 1 + imageIndex), input.min(), input.max());
        return base;
    }

    /**
     * As {@link #probe(float[], float[], int)} without its two end rows, which do not depend on the attribution: the
     * image and its {@link #baselineImage}, whose scores are given; the value is the same. A caller evaluating several
     * attribution methods scores the ends once.
     *
     * @param atImage    f_c at the image
     * @param atBaseline f_c at {@link #baselineImage}(imageIndex)
     */
    public PerturbedInputs probeBetween(
            float[] image, float[] attribution, int imageIndex, float atImage, float atBaseline) {
        float[] base = baselineImage(imageIndex);
        float first = mode == Mode.DELETION ? atImage : atBaseline;
        float last = mode == Mode.DELETION ? atBaseline : atImage;
        float[] rows = rows(image, attribution, base, 1, steps - 1);
        return new PerturbedInputs(rows, steps - 1, between -> {
            float[] scores = new float[steps + 1];
            scores[0] = first;
            System.arraycopy(between, 0, scores, 1, steps - 1);
            scores[steps] = last;
            return auc(scores);
        });
    }

    private PerturbedInputs probe(float[] image, float[] attribution, Random random) {
        float[] base = new float[input.size()];
        baseline.fill(base, random, input.min(), input.max());
        return new PerturbedInputs(rows(image, attribution, base, 0, steps), steps + 1, this::auc);
    }

    /** Rows {@code from..to} (inclusive) of the curve: the top {@code pixels·s/steps} pixels flipped in row s. */
    private float[] rows(float[] image, float[] attribution, float[] base, int from, int to) {
        int c = input.channels();
        int pixels = input.height() * input.width();
        int size = input.size();
        double[] importance = new double[pixels];
        for (int p = 0; p < pixels; p++) {
            for (int k = 0; k < c; k++) importance[p] += attribution[p * c + k] / c;
        }
        Integer[] order = new Integer[pixels];
        for (int p = 0; p < pixels; p++) order[p] = p;
        // descending importance; ties keep pixel order (stable sort)
        Arrays.sort(order, (a, b) -> Double.compare(importance[b], importance[a]));
        float[] start = mode == Mode.DELETION ? image : base;
        float[] end = mode == Mode.DELETION ? base : image;
        float[] batch = new float[Math.max(0, to - from + 1) * size];
        for (int s = from; s <= to; s++) {
            int flipped = (int) ((long) pixels * s / steps);
            int row = (s - from) * size;
            System.arraycopy(start, 0, batch, row, size);
            for (int r = 0; r < flipped; r++) {
                int p = order[r];
                for (int k = 0; k < c; k++) batch[row + p * c + k] = end[p * c + k];
            }
        }
        return batch;
    }

    private double auc(float[] scores) {
        double auc = 0;
        for (int s = 0; s < steps; s++) auc += (scores[s] + scores[s + 1]) / 2.0;
        return auc / steps;
    }
}
