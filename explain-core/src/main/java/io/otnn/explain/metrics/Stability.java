package io.otnn.explain.metrics;

import io.otnn.checkpoint.ModelMetadata;
import java.util.Random;

/**
 * Stability (Yeh et al. 2019, Bhatt et al. 2020; paper A.4.2; Xplique {@code AverageStability}): the mean distance
 * between the attribution at x and at {@code samples} neighbours of x, for the same class; lower is more stable. One
 * seeded set of offsets is shared by all images (Xplique draws its {@code noisy_masks} once). The neighbourhood and the
 * distance are named options:
 *
 * <ul>
 *   <li>{@link Ball#UNIFORM}: x + U[0, r]^d, not clipped: Xplique's sampling since January 2022 (its 2021 releases drew
 *       U[0, 1/d]^d and ignored the radius). With r = 0.3 and 20 neighbours (Xplique's default count) it is the
 *       paper's Table 1 set-up.
 *   <li>{@link Ball#L2}: uniform in the L2 ball of radius r (the letter of paper A.4.2 "a ball of radius 0.3");
 *       {@link Ball#LINF}: every pixel moved by U(−r, r).
 *   <li>{@link Distance#SPEARMAN}: 1 − Spearman ρ (paper Table 1, "Stability Spearman rank"); {@link
 *       Distance#SQUARED_L2}: Σ (φ − φ')², Xplique's {@code 'l2'} until October 2023; {@link Distance#L2}: its root,
 *       Xplique's {@code 'l2'} since; {@link Distance#L1}: Σ |φ − φ'|.
 * </ul>
 */
public final class Stability {

    /** Computes attribution maps; the metric calls it on the neighbours. */
    @FunctionalInterface
    public interface Attributor {
        float[][] attribute(float[][] images, int[] labels);
    }

    /** The neighbourhood the offsets are drawn from. */
    public enum Ball {
        /** x + U[0, r]^d, not clipped (Xplique {@code AverageStability} since 2022-01). */
        UNIFORM,
        /** Uniform in the L2 ball of radius r (Gaussian direction, radius r·U^(1/d)). */
        L2,
        /** Each coordinate moved by U(−r, r). */
        LINF
    }

    /** The distance between the base map and a neighbour's map. */
    public enum Distance {
        /** 1 − Spearman ρ (a NaN correlation, from a constant map, counts ρ = 0). */
        SPEARMAN("1-spearman"),
        /** Σ (a − b)², no root (Xplique 'l2' 2021 – 2023-10). */
        SQUARED_L2("l2-squared"),
        /** √Σ (a − b)² (Xplique 'l2' since 2023-10). */
        L2("l2"),
        /** Σ |a − b| (Xplique 'l1'). */
        L1("l1");

        private final String label;

        Distance(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public double of(float[] a, float[] b) {
            switch (this) {
                case SPEARMAN: {
                    double rho = Spearman.rho(a, b);
                    return 1 - (Double.isNaN(rho) ? 0 : rho);
                }
                case L1: {
                    double s = 0;
                    for (int i = 0; i < a.length; i++) s += Math.abs((double) a[i] - b[i]);
                    return s;
                }
                default: {
                    double s = 0;
                    for (int i = 0; i < a.length; i++) s += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
                    return this == L2 ? Math.sqrt(s) : s;
                }
            }
        }
    }

    /**
     * A named Stability definition: neighbourhood, radius, number of neighbours.
     *
     * @param name    the label the tables print
     * @param ball    where the neighbours are drawn
     * @param radius  r (0.3 for 28×28 inputs, paper A.4.2)
     * @param samples neighbours per image
     */
    public record Definition(String name, Ball ball, double radius, int samples) {
        /** Xplique 2022+ sampling with the paper's radius: 20 fixed neighbours x + U[0, 0.3]^d, not clipped. */
        public static final Definition XPLIQUE = new Definition("xplique-uniform[0,r]", Ball.UNIFORM, 0.3, 20);
        /** This product's definition before: 10 neighbours uniform in the L2 ball of radius 0.3. */
        public static final Definition L2_BALL = new Definition("l2-ball", Ball.L2, 0.3, 10);

        public Definition {
            if (samples < 1) throw new IllegalArgumentException("stability samples must be >= 1, got " + samples);
            if (!(radius >= 0) || Double.isInfinite(radius)) {
                throw new IllegalArgumentException("stability radius must be finite and >= 0, got " + radius);
            }
        }
    }

    private final ModelMetadata.Input input;
    private final Definition definition;
    private final long seed;
    private float[][] offsets;

    public Stability(ModelMetadata.Input input, double radius, int samples, long seed) {
        this(input, Ball.L2, radius, samples, seed);
    }

    public Stability(ModelMetadata.Input input, Ball ball, double radius, int samples, long seed) {
        this(input, new Definition(ball.name().toLowerCase(java.util.Locale.ROOT), ball, radius, samples), seed);
    }

    public Stability(ModelMetadata.Input input, Definition definition, long seed) {
        this.input = input;
        this.definition = definition;
        this.seed = seed;
    }

    public Definition definition() {
        return definition;
    }

    /** The mean 1 − ρ of each image (the paper's distance). */
    public double[] perImage(Attributor attributor, float[][] images, int[] labels, float[][] attributions) {
        return perImage(attributor, images, labels, attributions, Distance.SPEARMAN)[0];
    }

    /**
     * The mean distance of each image, for each of {@code distances} (one set of neighbour maps serves them all).
     *
     * @return {@code [distance][image]}
     */
    public double[][] perImage(
            Attributor attributor, float[][] images, int[] labels, float[][] attributions, Distance... distances) {
        int samples = definition.samples();
        double[][] out = new double[distances.length][images.length];
        for (int i = 0; i < images.length; i++) {
            int[] repeated = new int[samples];
            java.util.Arrays.fill(repeated, labels[i]);
            float[][] maps = attributor.attribute(neighbours(images[i]), repeated);
            double[] values = score(attributions[i], maps, distances);
            for (int m = 0; m < distances.length; m++) out[m][i] = values[m];
        }
        return out;
    }

    /** The neighbours of {@code image}: image + each offset, not clipped. */
    public float[][] neighbours(float[] image) {
        float[][] shared = offsets();
        float[][] out = new float[shared.length][image.length];
        for (int s = 0; s < shared.length; s++) {
            for (int p = 0; p < image.length; p++) out[s][p] = image[p] + shared[s][p];
        }
        return out;
    }

    /** The mean distance between {@code base} and each of {@code neighbourMaps}, for each of {@code distances}. */
    public static double[] score(float[] base, float[][] neighbourMaps, Distance... distances) {
        double[] out = new double[distances.length];
        for (int m = 0; m < distances.length; m++) {
            double sum = 0;
            for (float[] map : neighbourMaps) sum += distances[m].of(base, map);
            out[m] = sum / neighbourMaps.length;
        }
        return out;
    }

    /** The one set of offsets every image shares, drawn from the seed on first use. */
    float[][] offsets() {
        if (offsets == null) offsets = ballOffsets(input.size());
        return offsets;
    }

    float[][] ballOffsets(int size) {
        Random random = new Random(seed);
        int samples = definition.samples();
        double radius = definition.radius();
        float[][] out = new float[samples][size];
        for (int s = 0; s < samples; s++) {
            switch (definition.ball()) {
                case UNIFORM -> {
                    for (int p = 0; p < size; p++) out[s][p] = (float) (radius * random.nextDouble());
                }
                case LINF -> {
                    for (int p = 0; p < size; p++) out[s][p] = (float) (radius * (2 * random.nextDouble() - 1));
                }
                case L2 -> {
                    double norm = 0;
                    double[] g = new double[size];
                    for (int p = 0; p < size; p++) {
                        g[p] = random.nextGaussian();
                        norm += g[p] * g[p];
                    }
                    double r = radius * Math.pow(random.nextDouble(), 1.0 / size) / Math.sqrt(norm);
                    for (int p = 0; p < size; p++) out[s][p] = (float) (g[p] * r);
                }
            }
        }
        return out;
    }
}
