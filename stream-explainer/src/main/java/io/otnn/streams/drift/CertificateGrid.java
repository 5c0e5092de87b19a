package io.otnn.streams.drift;

import java.util.Arrays;

/**
 * The reference sample of certificates as a step function: its distinct values u_0 < … < u_{J−1} and the number of
 * sample values at or below each. A window's certificates are counted in the 2J + 1 bins this grid defines (below
 * u_0, equal to u_0, between u_0 and u_1, …, above u_{J−1}); those counts are all that the exact two-sample KS
 * statistic needs, since the reference's CDF is constant between its values.
 */
public final class CertificateGrid {

    private final double[] values;
    private final long[] atOrBelow;
    private final long size;

    private CertificateGrid(double[] values, long[] atOrBelow, long size) {
        this.values = values;
        this.atOrBelow = atOrBelow;
        this.size = size;
    }

    /** The grid of a sample (any order; NaN and infinite values are refused). */
    public static CertificateGrid of(double[] sample) {
        if (sample.length == 0) {
            throw new IllegalArgumentException("the reference certificate sample is empty");
        }
        double[] sorted = sample.clone();
        Arrays.sort(sorted);
        double[] distinct = new double[sorted.length];
        long[] cumulative = new long[sorted.length];
        int j = -1;
        for (int i = 0; i < sorted.length; i++) {
            if (!Double.isFinite(sorted[i])) {
                throw new IllegalArgumentException("the reference certificate sample holds " + sorted[i]);
            }
            if (j < 0 || sorted[i] != distinct[j]) {
                distinct[++j] = sorted[i];
            }
            cumulative[j] = i + 1;
        }
        return new CertificateGrid(Arrays.copyOf(distinct, j + 1), Arrays.copyOf(cumulative, j + 1), sorted.length);
    }

    /** Number of bins: 2J + 1. */
    public int binCount() {
        return 2 * values.length + 1;
    }

    /** The bin of a value: 2j + 1 when it equals u_j, else 2 × (number of u_j below it). */
    public int bin(double x) {
        int at = Arrays.binarySearch(values, x);
        return at >= 0 ? 2 * at + 1 : 2 * (-at - 1);
    }

    /** Size of the reference sample (with repeated values). */
    public long sampleSize() {
        return size;
    }

    /**
     * The two-sample KS statistic sup_x |F_window(x) − F_reference(x)|, exact, from the window's counts in this grid's
     * bins. Between two reference values F_reference is constant and F_window grows, so the supremum over such an
     * interval is at one of its ends.
     */
    public double ksStatistic(long[] bins) {
        if (bins.length != binCount()) {
            throw new IllegalArgumentException("expected " + binCount() + " bins, got " + bins.length);
        }
        double m = 0;
        for (long b : bins) {
            m += b;
        }
        if (m == 0) {
            throw new IllegalArgumentException("no window value");
        }
        double n = size;
        long window = 0;
        double d = 0;
        for (int j = 0; j < values.length; j++) {
            double reference = j == 0 ? 0 : atOrBelow[j - 1] / n;
            window += bins[2 * j];
            d = Math.max(d, Math.abs(window / m - reference)); // just below u_j
            window += bins[2 * j + 1];
            d = Math.max(d, Math.abs(window / m - atOrBelow[j] / n)); // at u_j
        }
        return d;
    }
}
