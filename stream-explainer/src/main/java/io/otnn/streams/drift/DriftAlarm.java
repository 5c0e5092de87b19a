package io.otnn.streams.drift;

/** What a metric window's drift alarm is about (the values of {@code ExplanationMetrics.driftAlarms}). */
public enum DriftAlarm {
    /** The mix of predicted classes departs from the reference's. */
    CLASS_MIX,
    /** The distribution of certified radii departs from the reference sample's. */
    CERTIFICATE
}
