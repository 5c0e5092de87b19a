package io.otnn.streams.metrics;

import io.otnn.avro.ExplanationMetrics;
import io.otnn.streams.drift.DriftMonitor;
import io.otnn.streams.time.EventTimePolicy;
import java.time.Duration;
import java.time.Instant;
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

/**
 * Tumbling metric windows that close on the wall clock: the partial figures of each batch (keyed by model@version,
 * timestamped with the time policy's time of their images) are merged into the window they fall in, kept in a
 * changelogged store; a wall-clock punctuator publishes every window that is due and marks it published, in the
 * same transaction. No further image is needed, and a far-future image (which the time policy caps anyway) cannot
 * close or expire any other window.
 *
 * <p>A window is due at its end plus grace, so it is published within grace + {@link #PUNCTUATE_MS} + one commit
 * interval of its end. When its first figures arrive after that (the explainer lagged: a start-up, a backlog), it
 * is due a grace period after they arrived, so that the rest of the lagging figures join it.
 *
 * <p>Figures for a window already published, or more than {@link #RETENTION_MS} past its end plus grace, are late:
 * not counted anywhere, so that no window is published twice; a {@link LateCounter} counts them and a warning is
 * logged. Their explanations and dead letters are published as usual.
 */
public final class MetricWindowsProcessor implements Processor<String, MetricsAccumulator, String, ExplanationMetrics> {

    /** How often the punctuator looks for due windows (wall clock). */
    public static final long PUNCTUATE_MS = 200;
    /** How long a published window is remembered after its end plus grace. */
    public static final long RETENTION_MS = 60 * 60 * 1000L;

    private static final Logger LOG = LoggerFactory.getLogger(MetricWindowsProcessor.class);

    private final String storeName;
    private final long windowMs;
    private final long graceMs;
    private final List<Double> epsilons;
    private final EventTimePolicy policy;
    private final LateCounter late;
    private final DriftMonitor drift;
    private ProcessorContext<String, ExplanationMetrics> context;
    private KeyValueStore<String, OpenWindow> windows;

    public MetricWindowsProcessor(
            String storeName,
            long windowMs,
            long graceMs,
            List<Double> epsilons,
            EventTimePolicy policy,
            LateCounter late) {
        this(storeName, windowMs, graceMs, epsilons, policy, late, DriftMonitor.none());
    }

    /** @param drift the reference statistics and thresholds of each window's drift figures */
    public MetricWindowsProcessor(
            String storeName,
            long windowMs,
            long graceMs,
            List<Double> epsilons,
            EventTimePolicy policy,
            LateCounter late,
            DriftMonitor drift) {
        this.drift = drift;
        this.storeName = storeName;
        this.windowMs = windowMs;
        this.graceMs = graceMs;
        this.epsilons = List.copyOf(epsilons);
        this.policy = policy;
        this.late = late;
    }

    /** The store of windows, key {@code <window start ms>/<model>@<version>}. */
    public static StoreBuilder<KeyValueStore<String, OpenWindow>> storeBuilder(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), OpenWindow.serde());
    }

    @Override
    public void init(ProcessorContext<String, ExplanationMetrics> context) {
        this.context = context;
        this.windows = context.getStateStore(storeName);
        context.schedule(Duration.ofMillis(PUNCTUATE_MS), PunctuationType.WALL_CLOCK_TIME, this::publishDue);
    }

    @Override
    public void process(Record<String, MetricsAccumulator> partial) {
        long windowStart = windowStart(partial.timestamp());
        long now = context.currentSystemTimeMs();
        String key = windowStart + "/" + partial.key();
        OpenWindow window = closesAt(windowStart) + RETENTION_MS <= now ? null : windows.get(key);
        if (closesAt(windowStart) + RETENTION_MS <= now || (window != null && window.published())) {
            late.add(partial.value());
            LOG.warn(
                    "Late metric figures for the window {} of {} ({} explanation(s), {} dead letter(s)): the window "
                            + "was published {} ms ago; not counted",
                    Instant.ofEpochMilli(windowStart),
                    partial.key(),
                    partial.value().explanations(),
                    partial.value().deadLetters(),
                    now - closesAt(windowStart));
            return;
        }
        MetricsAccumulator figures =
                window == null ? partial.value() : window.figures().merge(partial.value());
        figures.driftCertificates().settle(drift.grid(partial.key()));
        windows.put(
                key,
                window == null
                        ? new OpenWindow(Math.max(closesAt(windowStart), now + graceMs), figures)
                        : new OpenWindow(window.dueAt(), figures));
    }

    private void publishDue(long now) {
        List<KeyValue<String, OpenWindow>> due = new ArrayList<>();
        try (KeyValueIterator<String, OpenWindow> all = windows.all()) {
            while (all.hasNext()) {
                KeyValue<String, OpenWindow> entry = all.next();
                if (entry.value.dueAt() <= now) {
                    due.add(entry);
                }
            }
        }
        for (KeyValue<String, OpenWindow> entry : due) {
            long start = startOf(entry.key);
            if (entry.value.published()) {
                windows.delete(entry.key);
                continue;
            }
            String modelKey = entry.key.substring(entry.key.indexOf('/') + 1);
            long end = start + windowMs;
            MetricsAccumulator figures = entry.value.figures();
            context.forward(new Record<>(
                    MetricsKeys.of(start, modelKey),
                    figures.toRecord(
                            start,
                            end,
                            epsilons,
                            drift.assess(
                                    modelKey,
                                    figures.explanations(),
                                    figures.classHistogram(),
                                    figures.driftCertificates().counts())),
                    policy.recordTimestamp(end, now)));
            windows.put(entry.key, new OpenWindow(Math.max(closesAt(start), now) + RETENTION_MS, null));
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
