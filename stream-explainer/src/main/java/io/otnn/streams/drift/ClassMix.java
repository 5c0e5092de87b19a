package io.otnn.streams.drift;

import org.apache.commons.math3.special.Gamma;

/**
 * Divergence of a window's predicted-class histogram from the reference's: a chi-square test and the population
 * stability index (PSI).
 *
 * <p>With reference counts (the checkpoint's {@code predictedClassCounts}) the chi-square is the test of homogeneity
 * of the 2 × K table (reference, window): the reference is a sample too, and treating its proportions as exact
 * would inflate the statistic when it is no larger than a window. With priors only (older checkpoints), it is the
 * goodness-of-fit test against them as expected proportions. Classes empty in both are left out of the degrees of
 * freedom.
 */
public final class ClassMix {

    /**
     * The proportion that replaces an empty class in the PSI, and a reference prior of 0 in the goodness-of-fit
     * test, so that both stay finite: 1e-4, a tenth of the smallest share a class of a 10,000-image test set can have.
     */
    public static final double EMPTY_BIN_EPSILON = 1e-4;

    private ClassMix() {}

    /** A chi-square statistic and its degrees of freedom. */
    public record ChiSquare(double statistic, int degreesOfFreedom) {
        public double pValue() {
            return ClassMix.chiSquarePValue(statistic, degreesOfFreedom);
        }
    }

    /** P(X ≥ x) for X chi-square with {@code df} degrees of freedom: the regularized upper incomplete gamma Q(df/2, x/2). */
    public static double chiSquarePValue(double x, int df) {
        if (df < 1 || x <= 0) {
            return 1.0;
        }
        return Gamma.regularizedGammaQ(df / 2.0, x / 2.0);
    }

    /** Homogeneity of the window's counts with the reference counts (both non-negative, same classes by index). */
    public static ChiSquare homogeneity(long[] reference, long[] window) {
        int k = Math.max(reference.length, window.length);
        double r = sum(reference);
        double w = sum(window);
        if (r == 0 || w == 0) {
            return new ChiSquare(0, 0);
        }
        double statistic = 0;
        int used = 0;
        for (int c = 0; c < k; c++) {
            double rc = at(reference, c);
            double wc = at(window, c);
            double column = rc + wc;
            if (column == 0) {
                continue;
            }
            used++;
            double er = r * column / (r + w);
            double ew = w * column / (r + w);
            statistic += (rc - er) * (rc - er) / er + (wc - ew) * (wc - ew) / ew;
        }
        return new ChiSquare(statistic, used - 1);
    }

    /** Goodness of fit of the window's counts to the reference priors (a prior of 0 counts as {@link #EMPTY_BIN_EPSILON}). */
    public static ChiSquare goodnessOfFit(double[] priors, long[] window) {
        int k = Math.max(priors.length, window.length);
        double[] p = floored(priors, k);
        double w = sum(window);
        if (w == 0) {
            return new ChiSquare(0, 0);
        }
        double statistic = 0;
        for (int c = 0; c < k; c++) {
            double expected = w * p[c];
            double observed = at(window, c);
            statistic += (observed - expected) * (observed - expected) / expected;
        }
        return new ChiSquare(statistic, k - 1);
    }

    /**
     * PSI = Σ (w_k − r_k) · ln(w_k / r_k) over the classes, with w and r the window's and the reference's proportions
     * and an empty class's proportion replaced by {@link #EMPTY_BIN_EPSILON} (not renormalised). 0 for identical mixes;
     * the usual reading is below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a major one.
     */
    public static double psi(double[] referenceProportions, long[] window) {
        int k = Math.max(referenceProportions.length, window.length);
        double w = sum(window);
        double psi = 0;
        for (int c = 0; c < k; c++) {
            double wc = Math.max(at(window, c) / w, EMPTY_BIN_EPSILON);
            double rc = Math.max(c < referenceProportions.length ? referenceProportions[c] : 0, EMPTY_BIN_EPSILON);
            psi += (wc - rc) * Math.log(wc / rc);
        }
        return psi;
    }

    /** Proportions of counts. */
    public static double[] proportions(long[] counts) {
        double total = sum(counts);
        double[] p = new double[counts.length];
        for (int c = 0; c < counts.length; c++) {
            p[c] = total == 0 ? 0 : counts[c] / total;
        }
        return p;
    }

    private static double[] floored(double[] priors, int k) {
        double[] p = new double[k];
        double total = 0;
        for (int c = 0; c < k; c++) {
            p[c] = Math.max(c < priors.length ? priors[c] : 0, EMPTY_BIN_EPSILON);
            total += p[c];
        }
        for (int c = 0; c < k; c++) {
            p[c] /= total;
        }
        return p;
    }

    private static double at(long[] counts, int c) {
        return c < counts.length ? counts[c] : 0;
    }

    private static double sum(long[] counts) {
        double s = 0;
        for (long v : counts) {
            s += v;
        }
        return s;
    }
}
