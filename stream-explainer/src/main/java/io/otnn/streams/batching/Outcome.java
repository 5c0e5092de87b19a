package io.otnn.streams.batching;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.streams.metrics.MetricsAccumulator;

/**
 * What the explain processor emits: for each input record exactly one explanation or dead letter, and per batch
 * the batch's partial metric figures for each window it touches (keyed by model@version, timestamped with the
 * latest event time counted), so that the metric windows cost one repartitioned record per batch, not per image.
 */
public sealed interface Outcome {

    record Explained(Explanation explanation) implements Outcome {}

    record Rejected(DeadLetter deadLetter) implements Outcome {}

    record MetricsPartial(MetricsAccumulator figures) implements Outcome {}
}
