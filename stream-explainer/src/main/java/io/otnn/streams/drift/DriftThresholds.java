package io.otnn.streams.drift;

/**
 * When a window's drift statistics raise an alarm. Both a significance and an effect size must be reached, so that a
 * large window does not alarm on a difference too small to matter, and a small one not on noise:
 * {@code CLASS_MIX} when the chi-square p-value is below {@code pValue} and the PSI is at least {@code psi};
 * {@code CERTIFICATE} when the KS p-value is below {@code pValue} and the KS statistic is at least {@code ks}. A
 * window with fewer than {@code minCount} explanations raises none (its figures are still published).
 */
public record DriftThresholds(double pValue, double psi, double ks, long minCount) {

    public static final double DEFAULT_P_VALUE = 0.001;
    public static final double DEFAULT_PSI = 0.1;
    public static final double DEFAULT_KS = 0.1;
    public static final long DEFAULT_MIN_COUNT = 200;

    public static DriftThresholds defaults() {
        return new DriftThresholds(DEFAULT_P_VALUE, DEFAULT_PSI, DEFAULT_KS, DEFAULT_MIN_COUNT);
    }
}
