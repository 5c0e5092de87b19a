package io.otnn.streams.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.otnn.streams.records.MetricsRecord;
import io.otnn.streams.time.EventTimePolicy;

/**
 * Tumbling metric windows that close on the wall clock: the partial figures of each batch (keyed by model@version,
 * timestamped with the time policy's time of their images) are merged into the open window they fall in, kept in
 * a changelogged store; a wall-clock punctuator publishes every window whose end plus grace has passed and
 * deletes it, in the same transaction. So a window is published within grace + {@link #PUNCTUATE_MS} + one commit
 * interval of its end, whether or not more images arrive, and a far-future image (which the time policy caps
 * anyway) cannot close or expire any other window.
 *
 * <p>A partial for a window whose end plus grace has already passed on the wall clock when it arrives is late:
 * its window is published (or was never opened), so it is not counted anywhere; a {@link LateCounter} counts them
 * and a warning is logged. Their explanations and dead letters are published as
 * usual.
 */
public final class MetricWindowsProcessor implements Processor<String, MetricsAccumulator, String, MetricsRecord> {

    /** How often the punctuator looks for closed windows (wall clock). */
    public static final long PUNCTUATE_MS = 200;

    private static final Logger LOG = LoggerFactory.getLogger(MetricWindowsProcessor.class);

    private final String storeName;
    private final long windowMs;
    private final long graceMs;
    private final List<Double> epsilons;
    private final EventTimePolicy policy;
    private final LateCounter late;
    private ProcessorContext<String, MetricsRecord> context;
    private KeyValueStore<String, MetricsAccumulator> open;

    public MetricWindowsProcessor(String storeName, long windowMs, long graceMs, List<Double> epsilons,
                                  EventTimePolicy policy, LateCounter late) {
        this.storeName = storeName;
        this.windowMs = windowMs;
        this.graceMs = graceMs;
        this.epsilons = List.copyOf(epsilons);
        this.policy = policy;
        this.late = late;
    }

    /** The store of open windows, key {@code <window start ms>/<model>@<version>}. */
    public static StoreBuilder<KeyValueStore<String, MetricsAccumulator>> storeBuilder(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(),
                MetricsAccumulator.serde());
    }

    @Override
    public void init(ProcessorContext<String, MetricsRecord> context) {
        this.context = context;
        this.open = context.getStateStore(storeName);
        context.schedule(Duration.ofMillis(PUNCTUATE_MS), PunctuationType.WALL_CLOCK_TIME, this::publishClosed);
    }

    @Override
    public void process(Record<String, MetricsAccumulator> partial) {
        long windowStart = windowStart(partial.timestamp());
        long now = context.currentSystemTimeMs();
        if (closesAt(windowStart) <= now) {
            late.add(partial.value());
            LOG.warn("Late metric figures for the window {} of {} ({} explanation(s), {} dead letter(s)): its end "
                    + "plus grace passed {} ms ago; not counted", windowStart, partial.key(),
                    partial.value().explanations(), partial.value().deadLetters(), now - closesAt(windowStart));
            return;
        }
        String key = windowStart + "/" + partial.key();
        MetricsAccumulator window = open.get(key);
        open.put(key, window == null ? partial.value() : window.merge(partial.value()));
    }

    private void publishClosed(long now) {
        List<KeyValue<String, MetricsAccumulator>> closed = new ArrayList<>();
        try (KeyValueIterator<String, MetricsAccumulator> all = open.all()) {
            while (all.hasNext()) {
                KeyValue<String, MetricsAccumulator> entry = all.next();
                if (closesAt(startOf(entry.key)) <= now) {
                    closed.add(entry);
                }
            }
        }
        for (KeyValue<String, MetricsAccumulator> entry : closed) {
            long start = startOf(entry.key);
            String modelKey = entry.key.substring(entry.key.indexOf('/') + 1);
            long end = start + windowMs;
            context.forward(new Record<>(MetricsKeys.of(start, modelKey),
                    entry.value.toRecord(start, end, epsilons), policy.recordTimestamp(end, now)));
            open.delete(entry.key);
        }
    }

    private long windowStart(long timestamp) {
        return timestamp - Math.floorMod(timestamp, windowMs);
    }

    private long closesAt(long windowStart) {
        return windowStart + windowMs + graceMs;
    }

    private static long startOf(String storeKey) {
        return Long.parseLong(storeKey.substring(0, storeKey.indexOf('/')));
    }

    /** Counts the late partial figures of an application instance (shared by its tasks). */
    public static final class LateCounter {
        private final AtomicLong partials = new AtomicLong();
        private final AtomicLong outcomes = new AtomicLong();

        void add(MetricsAccumulator partial) {
            partials.incrementAndGet();
            outcomes.addAndGet(partial.explanations() + partial.deadLetters());
        }

        /** Partial figures that arrived after their window closed. */
        public long latePartials() {
            return partials.get();
        }

        /** The explanations and dead letters they counted. */
        public long lateOutcomes() {
            return outcomes.get();
        }
    }
}
