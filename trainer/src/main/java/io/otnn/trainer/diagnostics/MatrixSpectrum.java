package io.otnn.trainer.diagnostics;

import java.util.Random;

/**
 * The largest singular value of a real matrix (row-major, double): an estimate from below by power iteration, and a
 * sound bound from above by Gram iteration.
 *
 * <p>Gram iteration: for the Gram matrix G = MᵀM (or MMᵀ, the smaller) with eigenvalues λ_i ≥ 0 and m = 2^t,
 * ‖G^m‖_F = (Σ λ_i^{2m})^{1/2} ≥ λ_max^m, so σ_max = λ_max^{1/2} ≤ ‖G^m‖_F^{1/(2m)}, and the bound exceeds σ_max by at
 * most the factor n^{1/(4m)} (1 + 1.5·10⁻⁶ for n = 512 and t = {@value #GRAM_STEPS}). G^m is reached by t squarings,
 * each of the matrix divided by its Frobenius norm (the logarithms of the norms are summed), so nothing overflows.
 *
 * <p>Rounding: an entry of a double matrix product over n terms is off by at most n·2⁻⁵³ times the sum of the
 * products' magnitudes, so a step changes λ_max of its (normalised) result by a relative n^{5/2}·2⁻⁵³ at most, and the
 * change of step j reaches the bound raised to the power 2^{−j}: under 10⁻⁸ in all for n ≤ 1024 (the sizes of the
 * presets). The bound is multiplied by 1 + {@value #ROUNDING_MARGIN} to cover it. (Weights are float; the audit
 * bounds the real-valued network with those weights, not TensorFlow's float arithmetic.)
 */
public final class MatrixSpectrum {

    /** Squarings of the Gram matrix. */
    public static final int GRAM_STEPS = 20;
    /** Relative margin for the double rounding of the Gram iteration (ten times its bound for n ≤ 1024). */
    public static final double ROUNDING_MARGIN = 1e-7;

    /** A power iteration's σ (from below) and the iterations it ran; {@code converged} if it stopped on the tolerance. */
    public record PowerIteration(double sigma, int iterations, boolean converged) {}

    private MatrixSpectrum() {}

    /** A sound upper bound of σ_max of the {@code rows × cols} matrix {@code m}. */
    public static double sigmaMaxBound(double[] m, int rows, int cols) {
        return Math.sqrt(lambdaMaxBound(gram(m, rows, cols), Math.min(rows, cols)));
    }

    /** A sound upper bound of the largest eigenvalue of the symmetric positive semi-definite {@code n × n} matrix g. */
    public static double lambdaMaxBound(double[] g, int n) {
        double norm = frobenius(g);
        if (norm == 0) return 0;
        double[] h = new double[g.length];
        for (int i = 0; i < g.length; i++) h[i] = g[i] / norm;
        // G^{2^s} = e^{logScale} · h with ‖h‖_F = 1
        double logScale = Math.log(norm);
        double[] square = new double[g.length];
        for (int s = 0; s < GRAM_STEPS; s++) {
            symmetricSquare(h, n, square);
            double r = frobenius(square);
            if (r == 0) return 0;
            for (int i = 0; i < h.length; i++) h[i] = square[i] / r;
            logScale = 2 * logScale + Math.log(r);
        }
        return Math.exp(logScale / (1L << GRAM_STEPS)) * (1 + ROUNDING_MARGIN);
    }

    /**
     * σ_max from below: power iteration on MᵀM from a random start until σ changes by less than a relative
     * {@code tolerance} between two iterations, or {@code maxIterations}.
     */
    public static PowerIteration sigmaMaxPowerIteration(
            double[] m, int rows, int cols, int maxIterations, double tolerance, long seed) {
        Random random = new Random(seed);
        double[] v = new double[cols];
        for (int i = 0; i < cols; i++) v[i] = random.nextGaussian();
        normalize(v);
        double[] y = new double[rows];
        double sigma = 0;
        for (int it = 1; it <= maxIterations; it++) {
            multiply(m, rows, cols, v, y);
            double next = Math.sqrt(dot(y, y));
            if (next == 0) return new PowerIteration(0, it, true);
            multiplyTransposed(m, rows, cols, y, v);
            normalize(v);
            boolean converged = Math.abs(next - sigma) <= tolerance * next;
            sigma = next;
            if (converged) return new PowerIteration(sigma, it, true);
        }
        return new PowerIteration(sigma, maxIterations, false);
    }

    /** The smaller Gram matrix of m: MᵀM ({@code cols × cols}) if cols ≤ rows, else MMᵀ. */
    static double[] gram(double[] m, int rows, int cols) {
        boolean columns = cols <= rows;
        int n = columns ? cols : rows;
        double[] g = new double[n * n];
        if (columns) {
            for (int r = 0; r < rows; r++) {
                int o = r * cols;
                for (int i = 0; i < cols; i++) {
                    double a = m[o + i];
                    if (a == 0) continue;
                    for (int j = 0; j < cols; j++) g[i * n + j] += a * m[o + j];
                }
            }
        } else {
            for (int i = 0; i < rows; i++) {
                for (int j = i; j < rows; j++) {
                    double s = 0;
                    for (int c = 0; c < cols; c++) s += m[i * cols + c] * m[j * cols + c];
                    g[i * n + j] = s;
                    g[j * n + i] = s;
                }
            }
        }
        return g;
    }

    /** out = h·h for a symmetric h (the upper triangle is computed, the lower one mirrored). */
    private static void symmetricSquare(double[] h, int n, double[] out) {
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double s = 0;
                int oi = i * n, oj = j * n;
                // h is symmetric: (h·h)[i][j] = Σ_k h[i][k]·h[j][k], both rows contiguous
                for (int k = 0; k < n; k++) s += h[oi + k] * h[oj + k];
                out[oi + j] = s;
                out[oj + i] = s;
            }
        }
    }

    static void multiply(double[] m, int rows, int cols, double[] x, double[] y) {
        for (int r = 0; r < rows; r++) {
            double s = 0;
            int o = r * cols;
            for (int c = 0; c < cols; c++) s += m[o + c] * x[c];
            y[r] = s;
        }
    }

    static void multiplyTransposed(double[] m, int rows, int cols, double[] y, double[] x) {
        java.util.Arrays.fill(x, 0);
        for (int r = 0; r < rows; r++) {
            double a = y[r];
            int o = r * cols;
            for (int c = 0; c < cols; c++) x[c] += m[o + c] * a;
        }
    }

    static double frobenius(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static void normalize(double[] v) {
        double n = Math.sqrt(dot(v, v));
        if (n > 0) for (int i = 0; i < v.length; i++) v[i] /= n;
    }
}
