package io.otnn.streams.drift;

import io.otnn.avro.ExplanationMetrics;
import java.util.List;

/**
 * The drift statistics of one metric window against the reference statistics of its model version's checkpoint.
 * A figure is {@code null} when it cannot be computed: no explanation in the window, or a checkpoint without the
 * reference it needs (no predicted-class priors or counts for the class mix, no certificate sample for the KS test).
 *
 * @param classMixChiSquare   chi-square statistic of the window's predicted-class histogram against the reference
 * @param classMixPValue      its p-value (upper tail of the chi-square distribution)
 * @param classMixPsi         population stability index of the predicted-class mix
 * @param certificateKs       two-sample Kolmogorov–Smirnov statistic of the certified radii against the reference sample
 * @param certificateKsPValue its p-value
 * @param alarms              the alarms raised ({@link DriftAlarm} names); empty below {@code drift.min.count}
 */
public record DriftFigures(
        Double classMixChiSquare,
        Double classMixPValue,
        Double classMixPsi,
        Double certificateKs,
        Double certificateKsPValue,
        List<String> alarms) {

    /** No drift figures: no reference, or nothing explained. */
    public static final DriftFigures NONE = new DriftFigures(null, null, null, null, null, List.of());

    /** The drift figures a published window carries. */
    public static DriftFigures of(ExplanationMetrics window) {
        return new DriftFigures(
                window.getClassMixChiSquare(),
                window.getClassMixPValue(),
                window.getClassMixPsi(),
                window.getCertificateKs(),
                window.getCertificateKsPValue(),
                window.getDriftAlarms().stream().map(Object::toString).toList());
    }

    public DriftFigures {
        alarms = alarms == null ? List.of() : List.copyOf(alarms);
    }
}
