package io.otnn.streams.shadow;

import io.otnn.avro.ExplanationComparison;
import io.otnn.streams.metrics.OpenWindow;
import io.otnn.streams.metrics.WallClockWindowsProcessor;
import io.otnn.streams.time.EventTimePolicy;
import java.time.Instant;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The comparison windows: the metric windows' machinery ({@link WallClockWindowsProcessor}: same size, grace and
 * wall-clock closing) over the comparison partials keyed by {@code primary@version|shadow@version}, published as
 * {@code ExplanationComparison} records keyed {@code <window start ISO-8601>/<primary@version|shadow@version>}.
 */
public final class ComparisonWindowsProcessor
        extends WallClockWindowsProcessor<ComparisonAccumulator, ExplanationComparison> {

    private static final Logger LOG = LoggerFactory.getLogger(ComparisonWindowsProcessor.class);

    private final ShadowCounters counters;

    public ComparisonWindowsProcessor(
            String storeName, long windowMs, long graceMs, EventTimePolicy policy, ShadowCounters counters) {
        super(storeName, windowMs, graceMs, policy);
        this.counters = counters;
    }

    /** The store of comparison windows, key {@code <window start ms>/<primary@version|shadow@version>}. */
    public static StoreBuilder<KeyValueStore<String, OpenWindow<ComparisonAccumulator>>> storeBuilder(String name) {
        return storeBuilder(name, ComparisonAccumulator.serde());
    }

    @Override
    protected ComparisonAccumulator merge(String pairKey, ComparisonAccumulator window, ComparisonAccumulator partial) {
        return window == null ? partial : window.merge(partial);
    }

    @Override
    protected ExplanationComparison toRecord(
            long windowStart, long windowEnd, String pairKey, ComparisonAccumulator figures) {
        return figures.toRecord(windowStart, windowEnd);
    }

    @Override
    protected void late(String pairKey, long windowStart, ComparisonAccumulator partial, long msAfterClose) {
        counters.lateComparisons(partial.compared());
        LOG.warn(
                "Late comparison figures for the window {} of {} ({} image(s)): the window was published {} ms "
                        + "ago; not counted",
                Instant.ofEpochMilli(windowStart),
                pairKey,
                partial.compared(),
                msAfterClose);
    }
}
