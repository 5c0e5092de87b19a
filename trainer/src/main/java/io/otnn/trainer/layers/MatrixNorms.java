package io.otnn.trainer.layers;

import java.util.Random;

/** Plain-Java spectral norms, for the Lipschitz estimates of unconstrained layers and for independent checks. */
public final class MatrixNorms {

    /** Iterations of {@link #spectralNorm}; converges to well under 1e-4 relative error for the layer sizes used here. */
    public static final int DEFAULT_ITERATIONS = 500;

    private MatrixNorms() {}

    /** Largest singular value of the row-major {@code rows×cols} matrix, by power iteration on AᵀA. */
    public static double spectralNorm(float[] a, int rows, int cols) {
        return spectralNorm(a, rows, cols, DEFAULT_ITERATIONS);
    }

    public static double spectralNorm(float[] a, int rows, int cols, int iterations) {
        double[] v = new double[cols];
        Random random = new Random(0);
        for (int j = 0; j < cols; j++) v[j] = random.nextGaussian();
        normalize(v);
        double sigma = 0;
        double[] av = new double[rows];
        for (int it = 0; it < iterations; it++) {
            for (int i = 0; i < rows; i++) {
                double s = 0;
                int base = i * cols;
                for (int j = 0; j < cols; j++) s += a[base + j] * v[j];
                av[i] = s;
            }
            double[] atav = new double[cols];
            for (int i = 0; i < rows; i++) {
                int base = i * cols;
                double s = av[i];
                for (int j = 0; j < cols; j++) atav[j] += a[base + j] * s;
            }
            double norm = normalize(atav);
            sigma = Math.sqrt(norm);
            v = atav;
        }
        return sigma;
    }

    /** Smallest singular value of a tall or square matrix (rows ≥ cols), by power iteration on σ_max² I − AᵀA. */
    public static double smallestSingularValue(float[] a, int rows, int cols) {
        double smax = spectralNorm(a, rows, cols);
        double shift = smax * smax;
        double[] v = new double[cols];
        Random random = new Random(1);
        for (int j = 0; j < cols; j++) v[j] = random.nextGaussian();
        normalize(v);
        double lambda = 0;
        for (int it = 0; it < DEFAULT_ITERATIONS * 2; it++) {
            double[] av = new double[rows];
            for (int i = 0; i < rows; i++) {
                double s = 0;
                for (int j = 0; j < cols; j++) s += a[i * cols + j] * v[j];
                av[i] = s;
            }
            double[] w = new double[cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) w[j] += a[i * cols + j] * av[i];
            }
            for (int j = 0; j < cols; j++) w[j] = shift * v[j] - w[j];
            lambda = normalize(w);
            v = w;
        }
        return Math.sqrt(Math.max(0, shift - lambda));
    }

    static double normalize(double[] v) {
        double n = 0;
        for (double x : v) n += x * x;
        n = Math.sqrt(n);
        if (n > 0) for (int i = 0; i < v.length; i++) v[i] /= n;
        return n;
    }
}
