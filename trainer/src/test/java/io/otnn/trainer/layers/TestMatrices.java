package io.otnn.trainer.layers;

import java.util.Random;

/**
 * Matrices with a spectrum known by construction, and a reference SVD, for the tests of the plain-Java norms and of
 * Björck. Row-major {@code double[rows][cols]}. The SVD is one-sided Jacobi (Hestenes): an algorithm unrelated to
 * power iteration and to Björck's polynomial iteration.
 */
public final class TestMatrices {

    private TestMatrices() {}

    /** A random {@code n×k} matrix (k ≤ n) with orthonormal columns, by Gram–Schmidt (twice, for float-free accuracy). */
    public static double[][] orthonormalColumns(int n, int k, Random random) {
        double[][] q = new double[n][k];
        for (int j = 0; j < k; j++) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = random.nextGaussian();
            for (int pass = 0; pass < 2; pass++) {
                for (int p = 0; p < j; p++) {
                    double dot = 0;
                    for (int i = 0; i < n; i++) dot += q[i][p] * v[i];
                    for (int i = 0; i < n; i++) v[i] -= dot * q[i][p];
                }
            }
            double norm = 0;
            for (double x : v) norm += x * x;
            norm = Math.sqrt(norm);
            for (int i = 0; i < n; i++) q[i][j] = v[i] / norm;
        }
        return q;
    }

    /** Q1·diag(s)·Q2ᵀ, {@code rows×cols}, with Q1 {@code rows×r}, Q2 {@code cols×r} orthonormal, r = s.length. */
    public static double[][] withSpectrum(int rows, int cols, double[] s, long seed) {
        Random random = new Random(seed);
        double[][] q1 = orthonormalColumns(rows, s.length, random);
        double[][] q2 = orthonormalColumns(cols, s.length, random);
        double[][] a = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double v = 0;
                for (int r = 0; r < s.length; r++) v += q1[i][r] * s[r] * q2[j][r];
                a[i][j] = v;
            }
        }
        return a;
    }

    /** The matrix Q1·diag(g(s))·Q2ᵀ of {@link #withSpectrum} with the same seed: same singular vectors, new values. */
    public static double[][] withSpectrum(
            int rows, int cols, double[] s, long seed, java.util.function.DoubleUnaryOperator g) {
        double[] t = new double[s.length];
        for (int i = 0; i < s.length; i++) t[i] = g.applyAsDouble(s[i]);
        return withSpectrum(rows, cols, t, seed);
    }

    public static float[] flat(double[][] a) {
        float[] f = new float[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) f[i * a[0].length + j] = (float) a[i][j];
        }
        return f;
    }

    public static float[][] toFloat(double[][] a) {
        float[][] f = new float[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) f[i][j] = (float) a[i][j];
        }
        return f;
    }

    public static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) t[j][i] = a[i][j];
        }
        return t;
    }

    /** The thin SVD of a tall matrix ({@code rows ≥ cols}) by one-sided Jacobi: U {@code rows×cols}, s, V {@code cols×cols}. */
    public record Svd(double[][] u, double[] s, double[][] v) {

        /** The orthogonal polar factor U·Vᵀ, the orthogonal matrix nearest to A (A of full column rank). */
        public double[][] polar() {
            int m = u.length;
            int n = v.length;
            double[][] p = new double[m][n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double x = 0;
                    for (int r = 0; r < n; r++) x += u[i][r] * v[j][r];
                    p[i][j] = x;
                }
            }
            return p;
        }
    }

    public static Svd jacobiSvd(double[][] a) {
        int m = a.length;
        int n = a[0].length;
        if (m < n) throw new IllegalArgumentException("tall matrices only");
        double[][] w = new double[m][];
        for (int i = 0; i < m; i++) w[i] = a[i].clone();
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) v[i][i] = 1;
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double alpha = 0, beta = 0, gamma = 0;
                    for (int i = 0; i < m; i++) {
                        alpha += w[i][p] * w[i][p];
                        beta += w[i][q] * w[i][q];
                        gamma += w[i][p] * w[i][q];
                    }
                    if (Math.abs(gamma) <= 1e-300) continue;
                    off = Math.max(off, Math.abs(gamma) / Math.sqrt(alpha * beta));
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta == 0 ? 1 : zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    double c = 1 / Math.sqrt(1 + t * t);
                    double s = c * t;
                    for (int i = 0; i < m; i++) {
                        double x = w[i][p];
                        double y = w[i][q];
                        w[i][p] = c * x - s * y;
                        w[i][q] = s * x + c * y;
                    }
                    for (int i = 0; i < n; i++) {
                        double x = v[i][p];
                        double y = v[i][q];
                        v[i][p] = c * x - s * y;
                        v[i][q] = s * x + c * y;
                    }
                }
            }
            if (off < 1e-15) break;
        }
        double[] s = new double[n];
        double[][] u = new double[m][n];
        for (int j = 0; j < n; j++) {
            double norm = 0;
            for (int i = 0; i < m; i++) norm += w[i][j] * w[i][j];
            s[j] = Math.sqrt(norm);
            for (int i = 0; i < m; i++) u[i][j] = w[i][j] / s[j];
        }
        return new Svd(u, s, v);
    }

    public static double maxAbsDifference(double[][] a, float[] b) {
        double max = 0;
        int cols = a[0].length;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < cols; j++) max = Math.max(max, Math.abs(a[i][j] - b[i * cols + j]));
        }
        return max;
    }
}
