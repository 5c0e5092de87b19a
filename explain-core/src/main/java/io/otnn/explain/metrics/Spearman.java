package io.otnn.explain.metrics;

import java.util.Arrays;

/**
 * Spearman's rank correlation: Pearson's correlation of the ranks, ties given their average rank (as
 * {@code scipy.stats.spearmanr}). Hand-written: 30 lines do not justify a statistics library. NaN when either side is
 * constant.
 */
public final class Spearman {

    private Spearman() {}

    public static double rho(double[] a, double[] b) {
        if (a.length != b.length) throw new IllegalArgumentException(a.length + " vs " + b.length + " values");
        return pearson(ranks(a), ranks(b));
    }

    public static double rho(float[] a, float[] b) {
        double[] x = new double[a.length];
        double[] y = new double[b.length];
        for (int i = 0; i < a.length; i++) x[i] = a[i];
        for (int i = 0; i < b.length; i++) y[i] = b[i];
        return rho(x, y);
    }

    static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) order[i] = i;
        Arrays.sort(order, (i, j) -> Double.compare(v[i], v[j]));
        double[] ranks = new double[v.length];
        for (int start = 0; start < v.length; ) {
            int end = start;
            while (end + 1 < v.length && v[order[end + 1]] == v[order[start]]) end++;
            double rank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) ranks[order[k]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    static double pearson(double[] x, double[] y) {
        int n = x.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }
}
