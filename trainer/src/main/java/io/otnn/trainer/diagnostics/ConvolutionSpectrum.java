package io.otnn.trainer.diagnostics;

import java.util.Arrays;
import java.util.Random;

/**
 * The operator norm of a stride-1 convolution with zero {@code same} padding (TensorFlow's: (k−1)/2 rows of zeros before,
 * the rest after) on an H×W input, for a kernel {@code [kh, kw, cin, cout]} (row-major, TensorFlow's layout).
 *
 * <p>Sound bound ({@link #dftBound}): extended by zeros to the (H+kh−1)×(W+kw−1) grid, the input is never reached by the
 * wrap-around of the circular convolution on that grid at the H×W output positions, so the zero-padded convolution is
 * the circular one between an isometric embedding and a restriction, and its norm is at most the circular one's. The
 * circular convolution is block-diagonalised by the 2-D DFT of that grid, so its norm is the largest σ_max(K̂(ω)) over
 * the grid's frequencies ω, K̂(ω) = Σ_{i,j} K[i, j]·e^{2πi(ω_h·i/H' + ω_w·j/W')} (a cout × cin complex matrix), each
 * bounded by {@link MatrixSpectrum#sigmaMaxBound} of its real form [[Re, −Im], [Im, Re]] (same singular values, each
 * twice).
 *
 * <p>Estimate from below ({@link #zeroPaddedNorm}): power iteration on AᵀA, A the zero-padded convolution itself.
 */
public final class ConvolutionSpectrum {

    /** A kernel {@code [kh, kw, cin, cout]}, row-major. */
    public record Kernel(int kh, int kw, int cin, int cout, double[] values) {

        public Kernel {
            if (values.length != kh * kw * cin * cout) {
                throw new IllegalArgumentException("a " + kh + "x" + kw + "x" + cin + "x" + cout + " kernel needs "
                        + (kh * kw * cin * cout) + " values, got " + values.length);
            }
        }

        public double at(int i, int j, int c, int o) {
            return values[((i * kw + j) * cin + c) * cout + o];
        }
    }

    private ConvolutionSpectrum() {}

    /** A sound upper bound of the zero-padded convolution's operator norm on {@code h × w} inputs. */
    public static double dftBound(Kernel k, int h, int w) {
        return circularBound(k, h + k.kh() - 1, w + k.kw() - 1);
    }

    /**
     * A sound upper bound of the operator norm of the circular convolution on the {@code gh × gw} torus (exceeding it by
     * the Gram iteration's factor at most).
     */
    public static double circularBound(Kernel k, int gh, int gw) {
        double max = 0;
        int rows = 2 * k.cout(), cols = 2 * k.cin();
        double[] m = new double[rows * cols];
        for (int a = 0; a < gh; a++) {
            for (int b = 0; b < gw; b++) {
                // K̂(−ω) is the conjugate of K̂(ω): same singular values
                int ca = (gh - a) % gh, cb = (gw - b) % gw;
                if (ca < a || (ca == a && cb < b)) continue;
                Arrays.fill(m, 0);
                for (int i = 0; i < k.kh(); i++) {
                    for (int j = 0; j < k.kw(); j++) {
                        double theta = 2 * Math.PI * ((double) (a * i % gh) / gh + (double) (b * j % gw) / gw);
                        double cos = Math.cos(theta), sin = Math.sin(theta);
                        for (int c = 0; c < k.cin(); c++) {
                            for (int o = 0; o < k.cout(); o++) {
                                double v = k.at(i, j, c, o);
                                double re = v * cos, im = v * sin;
                                m[o * cols + c] += re;
                                m[o * cols + c + k.cin()] -= im;
                                m[(o + k.cout()) * cols + c] += im;
                                m[(o + k.cout()) * cols + c + k.cin()] += re;
                            }
                        }
                    }
                }
                max = Math.max(max, MatrixSpectrum.sigmaMaxBound(m, rows, cols));
            }
        }
        return max;
    }

    /**
     * The zero-padded convolution's operator norm from below: power iteration on AᵀA from a random start, until σ
     * changes by less than a relative {@code tolerance} between two iterations, or {@code maxIterations}.
     */
    public static MatrixSpectrum.PowerIteration zeroPaddedNorm(
            Kernel k, int h, int w, int maxIterations, double tolerance, long seed) {
        Random random = new Random(seed);
        double[] x = new double[h * w * k.cin()];
        for (int i = 0; i < x.length; i++) x[i] = random.nextGaussian();
        MatrixSpectrum.normalize(x);
        double[] y = new double[h * w * k.cout()];
        double sigma = 0;
        for (int it = 1; it <= maxIterations; it++) {
            apply(k, h, w, x, y);
            double next = Math.sqrt(MatrixSpectrum.dot(y, y));
            if (next == 0) return new MatrixSpectrum.PowerIteration(0, it, true);
            applyTransposed(k, h, w, y, x);
            MatrixSpectrum.normalize(x);
            boolean converged = Math.abs(next - sigma) <= tolerance * next;
            sigma = next;
            if (converged) return new MatrixSpectrum.PowerIteration(sigma, it, true);
        }
        return new MatrixSpectrum.PowerIteration(sigma, maxIterations, false);
    }

    /** y = conv(x, K), {@code same} zero padding, stride 1; x {@code [h, w, cin]}, y {@code [h, w, cout]}. */
    public static void apply(Kernel k, int h, int w, double[] x, double[] y) {
        Arrays.fill(y, 0);
        convolve(k, h, w, x, y, false);
    }

    /** x = Aᵀ y for the convolution A of {@link #apply}. */
    public static void applyTransposed(Kernel k, int h, int w, double[] y, double[] x) {
        Arrays.fill(x, 0);
        convolve(k, h, w, x, y, true);
    }

    /**
     * One pass over every (output pixel, tap, input channel) that the zero padding keeps: adds A·x into y, or, when
     * {@code transposed}, Aᵀ·y into x.
     */
    private static void convolve(Kernel k, int h, int w, double[] x, double[] y, boolean transposed) {
        int pt = (k.kh() - 1) / 2, pl = (k.kw() - 1) / 2;
        int cin = k.cin(), cout = k.cout();
        double[] kv = k.values();
        for (int p = 0; p < h; p++) {
            for (int q = 0; q < w; q++) {
                int out = (p * w + q) * cout;
                for (int i = 0; i < k.kh(); i++) {
                    int r = p + i - pt;
                    if (r < 0 || r >= h) continue;
                    for (int j = 0; j < k.kw(); j++) {
                        int s = q + j - pl;
                        if (s < 0 || s >= w) continue;
                        int in = (r * w + s) * cin;
                        int tap = (i * k.kw() + j) * cin;
                        for (int c = 0; c < cin; c++) {
                            int ko = (tap + c) * cout;
                            if (transposed) {
                                double sum = 0;
                                for (int o = 0; o < cout; o++) sum += kv[ko + o] * y[out + o];
                                x[in + c] += sum;
                            } else {
                                double v = x[in + c];
                                if (v == 0) continue;
                                for (int o = 0; o < cout; o++) y[out + o] += kv[ko + o] * v;
                            }
                        }
                    }
                }
            }
        }
    }
}
