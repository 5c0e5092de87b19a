package io.otnn.streams.shadow;

import java.util.Arrays;
import java.util.OptionalDouble;

/**
 * Spearman's rank correlation between two saliency maps of one image: the Pearson correlation of their ranks, tied
 * values sharing the average of the ranks they span (the usual definition with ties). Computed over all pixels.
 */
public final class Spearman {

    private Spearman() {}

    /**
     * ρ of {@code a} and {@code b} (same length), or empty when either map is constant: a constant map has no
     * ordering to compare, and its ρ would be 0/0.
     */
    public static OptionalDouble rho(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("maps of " + a.length + " and " + b.length + " values");
        }
        double[] ra = ranks(a);
        double[] rb = ranks(b);
        double mean = (a.length + 1) / 2.0;
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < ra.length; i++) {
            double da = ra[i] - mean;
            double db = rb[i] - mean;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }
        if (saa == 0 || sbb == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(Math.max(-1.0, Math.min(1.0, sab / Math.sqrt(saa * sbb))));
    }

    /** The 1-based ranks of {@code values}; a run of equal values gets the mean of the ranks it spans. */
    public static double[] ranks(float[] values) {
        // each value's order-preserving int bits above its index: one primitive sort orders the indices by value
        long[] keyed = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            keyed[i] = ((long) sortable(values[i]) << 32) | i;
        }
        Arrays.sort(keyed);
        double[] ranks = new double[values.length];
        int from = 0;
        while (from < keyed.length) {
            int to = from + 1;
            while (to < keyed.length && (keyed[to] >> 32) == (keyed[from] >> 32)) {
                to++;
            }
            // positions from..to-1 hold equal values: ranks from+1..to, mean (from + 1 + to) / 2
            double rank = (from + 1 + to) / 2.0;
            for (int k = from; k < to; k++) {
                ranks[(int) keyed[k]] = rank;
            }
            from = to;
        }
        return ranks;
    }

    /** An int whose signed order is the float's numeric order (-0 and +0 equal; the maps hold no NaN). */
    private static int sortable(float value) {
        int bits = Float.floatToIntBits(value == 0f ? 0f : value);
        return bits >= 0 ? bits : bits ^ 0x7fffffff;
    }
}
