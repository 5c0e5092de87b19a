package io.otnn.streams.records;

import java.util.List;
import java.util.Map;

import io.otnn.streams.drift.DriftFigures;

/**
 * The final figures of one tumbling window for one model version, on {@code otnn.metrics}.
 *
 * <p>Quantile maps are keyed by the quantile ("0.5", "0.99"); certified fractions by ε. {@code drift} is never null
 * ({@link DriftFigures#NONE} when there is nothing to say).
 */
public record MetricsRecord(long windowStart, long windowEnd, String modelName, long modelVersion,
                            long explanations, long deadLetters, Map<String, Long> deadLettersByKind,
                            long labelled, Double accuracy, double certificateMean,
                            Map<String, Double> certificateQuantiles, Map<String, Double> certifiedFraction,
                            List<Long> classHistogram, double meanCounterfactualDistance,
                            double meanBoundaryResidual, Map<String, Double> latencyQuantilesMs,
                            double meanBatchSize, DriftFigures drift) {

    public MetricsRecord {
        drift = drift == null ? DriftFigures.NONE : drift;
    }
}
