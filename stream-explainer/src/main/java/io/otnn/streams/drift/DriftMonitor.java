package io.otnn.streams.drift;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The drift statistics of the metric windows: the reference of each model version in service (by
 * {@code <model>@<version>}, the windows' key) and the alarm thresholds. A window of a model version without a
 * reference gets {@link DriftFigures#NONE}.
 */
public final class DriftMonitor {

    private final DriftReferences references;
    private final DriftThresholds thresholds;

    public DriftMonitor(Map<String, DriftReference> references, DriftThresholds thresholds) {
        this(new DriftReferences(references), thresholds);
    }

    /** @param references learns the reference of each model version as it is accepted (a live swap) */
    public DriftMonitor(DriftReferences references, DriftThresholds thresholds) {
        this.references = references;
        this.thresholds = thresholds;
    }

    public static DriftMonitor none() {
        return new DriftMonitor(Map.of(), DriftThresholds.defaults());
    }

    /** The grid the window's certificates are counted in, or null (no certificate sample for this model version). */
    public CertificateGrid grid(String modelKey) {
        return references.get(modelKey).certificates();
    }

    /**
     * The figures of a window with {@code explained} explanations, its predicted-class histogram and its settled
     * certificate bins (null when none).
     */
    public DriftFigures assess(String modelKey, long explained, long[] classHistogram, long[] certificateBins) {
        DriftReference reference = references.get(modelKey);
        if (explained == 0) {
            return DriftFigures.NONE;
        }
        Double chiSquare = null;
        Double chiSquareP = null;
        Double psi = null;
        if (reference.hasClassMix()) {
            ClassMix.ChiSquare test = reference.predictedClassCounts() != null
                    ? ClassMix.homogeneity(reference.predictedClassCounts(), classHistogram)
                    : ClassMix.goodnessOfFit(reference.predictedClassPriors(), classHistogram);
            chiSquare = test.statistic();
            chiSquareP = test.pValue();
            psi = ClassMix.psi(reference.proportions(), classHistogram);
        }
        Double ks = null;
        Double ksP = null;
        CertificateGrid grid = reference.certificates();
        long settled = certificateBins == null
                ? 0
                : java.util.Arrays.stream(certificateBins).sum();
        if (grid != null && settled > 0) {
            ks = grid.ksStatistic(certificateBins);
            ksP = KolmogorovSmirnov.pValue(ks, grid.sampleSize(), settled);
        }
        List<String> alarms = new ArrayList<>();
        if (explained >= thresholds.minCount()) {
            if (chiSquareP != null && chiSquareP < thresholds.pValue() && psi >= thresholds.psi()) {
                alarms.add(DriftAlarm.CLASS_MIX.name());
            }
            if (ksP != null && ksP < thresholds.pValue() && ks >= thresholds.ks()) {
                alarms.add(DriftAlarm.CERTIFICATE.name());
            }
        }
        return new DriftFigures(chiSquare, chiSquareP, psi, ks, ksP, alarms);
    }
}
