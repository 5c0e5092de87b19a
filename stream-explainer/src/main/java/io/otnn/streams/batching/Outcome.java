package io.otnn.streams.batching;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.streams.metrics.MetricsAccumulator;
import io.otnn.streams.shadow.ComparisonAccumulator;

/**
 * What the explain processor emits: for each input record exactly one explanation or dead letter, and per batch
 * the batch's partial metric figures for each window it touches (keyed by model@version, timestamped with the
 * latest event time counted), so that the metric windows cost one repartitioned record per batch, not per image.
 */
public sealed interface Outcome {

    record Explained(Explanation explanation) implements Outcome {}

    record Rejected(DeadLetter deadLetter) implements Outcome {}

    record MetricsPartial(MetricsAccumulator figures) implements Outcome {}

    /** With a shadow model: its explanation of an image the primary explained (never instead of that one). */
    record ShadowExplained(Explanation explanation) implements Outcome {}

    /** With a shadow model: a batch's comparison figures for one window, keyed by primary@version|shadow@version. */
    record ComparisonPartial(ComparisonAccumulator figures) implements Outcome {}
}
