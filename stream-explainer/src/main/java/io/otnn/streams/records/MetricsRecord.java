package io.otnn.streams.records;

import java.util.List;
import java.util.Map;

/**
 * The final figures of one tumbling window for one model version, on {@code otnn.metrics}.
 *
 * <p>Quantile maps are keyed by the quantile ("0.5", "0.99"); certified fractions by ε. The fidelity figures are the
 * means over the window's fidelity sample, {@code null} when it is empty.
 */
public record MetricsRecord(long windowStart, long windowEnd, String modelName, long modelVersion,
                            long explanations, long deadLetters, Map<String, Long> deadLettersByKind,
                            long labelled, Double accuracy, double certificateMean,
                            Map<String, Double> certificateQuantiles, Map<String, Double> certifiedFraction,
                            List<Long> classHistogram, double meanCounterfactualDistance,
                            double meanBoundaryResidual, Map<String, Double> latencyQuantilesMs,
                            double meanBatchSize, long fidelitySampleCount, Double muFidelity,
                            Double deletionAuc) {
}
