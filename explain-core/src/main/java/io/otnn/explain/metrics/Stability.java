package io.otnn.explain.metrics;

import io.otnn.checkpoint.ModelMetadata;
import java.util.Random;

/**
 * Stability (Yeh et al. 2019 as used in paper A.4.2): the mean of 1 − Spearman ρ between the attribution at x and at
 * {@code samples} points drawn uniformly in the L2 ball of radius {@code radius} around x (0.3 for 28×28 inputs), for
 * the same class. Differs from Xplique's {@code AverageStability} (uniform noise in [0, 1/d]^d, squared L2): we follow
 * the paper's ball and rank distance. One seeded set of offsets is shared by all images. Lower is more stable.
 */
public final class Stability {

    /** Computes attribution maps; the metric calls it on the neighbours. */
    @FunctionalInterface
    public interface Attributor {
        float[][] attribute(float[][] images, int[] labels);
    }

    /** The neighbourhood: the L2 ball (paper) or the L∞ ball (every pixel moved by up to ±radius). */
    public enum Ball {
        L2,
        LINF
    }

    private final ModelMetadata.Input input;
    private final Ball ball;
    private final double radius;
    private final int samples;
    private final long seed;

    public Stability(ModelMetadata.Input input, double radius, int samples, long seed) {
        this(input, Ball.L2, radius, samples, seed);
    }

    public Stability(ModelMetadata.Input input, Ball ball, double radius, int samples, long seed) {
        this.input = input;
        this.ball = ball;
        this.radius = radius;
        this.samples = samples;
        this.seed = seed;
    }

    public double[] perImage(Attributor attributor, float[][] images, int[] labels, float[][] attributions) {
        int size = input.size();
        float[][] offsets = ballOffsets(size);
        double[] out = new double[images.length];
        for (int i = 0; i < images.length; i++) {
            float[][] neighbours = new float[samples][size];
            int[] repeated = new int[samples];
            for (int s = 0; s < samples; s++) {
                for (int p = 0; p < size; p++) neighbours[s][p] = images[i][p] + offsets[s][p];
                repeated[s] = labels[i];
            }
            float[][] maps = attributor.attribute(neighbours, repeated);
            double sum = 0;
            for (float[] map : maps) {
                double rho = Spearman.rho(attributions[i], map);
                sum += 1 - (Double.isNaN(rho) ? 0 : rho);
            }
            out[i] = sum / samples;
        }
        return out;
    }

    /** Uniform in the ball: L2 — Gaussian direction, radius r · U^(1/d); L∞ — each coordinate U(−r, r). */
    float[][] ballOffsets(int size) {
        Random random = new Random(seed);
        float[][] out = new float[samples][size];
        for (int s = 0; s < samples; s++) {
            if (ball == Ball.LINF) {
                for (int p = 0; p < size; p++) out[s][p] = (float) (radius * (2 * random.nextDouble() - 1));
                continue;
            }
            double norm = 0;
            double[] g = new double[size];
            for (int p = 0; p < size; p++) {
                g[p] = random.nextGaussian();
                norm += g[p] * g[p];
            }
            double r = radius * Math.pow(random.nextDouble(), 1.0 / size) / Math.sqrt(norm);
            for (int p = 0; p < size; p++) out[s][p] = (float) (g[p] * r);
        }
        return out;
    }
}
