package io.otnn.streams.metrics;

import io.otnn.streams.time.EventTimePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
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

/**
 * Tumbling windows that close on the wall clock: the partial figures of each batch (keyed by what they describe,
 * a model version or a pair of them, and timestamped with the time policy's time of their images) are merged into
 * the window they fall in, kept in a changelogged store; a wall-clock punctuator publishes every window that is
 * due and marks it published, in the same transaction. No further image is needed, and a far-future image (which
 * the time policy caps anyway) cannot close or expire any other window.
 *
 * <p>A window is due at its end plus grace, so it is published within grace + {@link #PUNCTUATE_MS} + one commit
 * interval of its end. When its first figures arrive after that (the explainer lagged: a start-up, a backlog), it
 * is due a grace period after they arrived, so that the rest of the lagging figures join it.
 *
 * <p>Figures for a window already published, or more than {@link #RETENTION_MS} past its end plus grace, are late:
 * not counted anywhere, so that no window is published twice; {@link #late} hears of them.
 *
 * @param <A> the figures of one window (mergeable partials)
 * @param <R> the record a closed window becomes
 */
public abstract class WallClockWindowsProcessor<A, R> implements Processor<String, A, String, R> {

    /** How often the punctuator looks for due windows (wall clock). */
    public static final long PUNCTUATE_MS = 200;
    /** How long a published window is remembered after its end plus grace. */
    public static final long RETENTION_MS = 60 * 60 * 1000L;

    private final String storeName;
    private final long windowMs;
    private final long graceMs;
    private final EventTimePolicy policy;
    private ProcessorContext<String, R> context;
    private KeyValueStore<String, OpenWindow<A>> windows;

    protected WallClockWindowsProcessor(String storeName, long windowMs, long graceMs, EventTimePolicy policy) {
        this.storeName = storeName;
        this.windowMs = windowMs;
        this.graceMs = graceMs;
        this.policy = policy;
    }

    /** A store of windows, key {@code <window start ms>/<what the figures describe>}. */
    protected static <A> StoreBuilder<KeyValueStore<String, OpenWindow<A>>> storeBuilder(
            String name, Serde<A> figures) {
        return Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(name), Serdes.String(), OpenWindow.serde(figures));
    }

    /** {@code partial} merged into the window's figures so far ({@code window}: may be modified and returned). */
    protected abstract A merge(String key, A window, A partial);

    /** The record of a closed window. */
    protected abstract R toRecord(long windowStart, long windowEnd, String key, A figures);

    /** The key of a closed window's record. */
    protected String recordKey(long windowStart, String key) {
        return MetricsKeys.of(windowStart, key);
    }

    /** Figures that arrived {@code msAfterClose} ms after their window closed: they are counted nowhere. */
    protected abstract void late(String key, long windowStart, A partial, long msAfterClose);

    @Override
    public void init(ProcessorContext<String, R> context) {
        this.context = context;
        this.windows = context.getStateStore(storeName);
        context.schedule(Duration.ofMillis(PUNCTUATE_MS), PunctuationType.WALL_CLOCK_TIME, this::publishDue);
    }

    @Override
    public void process(Record<String, A> partial) {
        long windowStart = windowStart(partial.timestamp());
        long now = context.currentSystemTimeMs();
        String key = windowStart + "/" + partial.key();
        boolean expired = closesAt(windowStart) + RETENTION_MS <= now;
        OpenWindow<A> window = expired ? null : windows.get(key);
        if (expired || (window != null && window.published())) {
            late(partial.key(), windowStart, partial.value(), now - closesAt(windowStart));
            return;
        }
        A figures = merge(partial.key(), window == null ? null : window.figures(), partial.value());
        windows.put(
                key,
                window == null
                        ? new OpenWindow<>(Math.max(closesAt(windowStart), now + graceMs), figures)
                        : new OpenWindow<>(window.dueAt(), figures));
    }

    private void publishDue(long now) {
        List<KeyValue<String, OpenWindow<A>>> due = new ArrayList<>();
        try (KeyValueIterator<String, OpenWindow<A>> all = windows.all()) {
            while (all.hasNext()) {
                KeyValue<String, OpenWindow<A>> entry = all.next();
                if (entry.value.dueAt() <= now) {
                    due.add(entry);
                }
            }
        }
        for (KeyValue<String, OpenWindow<A>> entry : due) {
            long start = startOf(entry.key);
            if (entry.value.published()) {
                windows.delete(entry.key);
                continue;
            }
            String figuresKey = entry.key.substring(entry.key.indexOf('/') + 1);
            long end = start + windowMs;
            context.forward(new Record<>(
                    recordKey(start, figuresKey),
                    toRecord(start, end, figuresKey, entry.value.figures()),
                    policy.recordTimestamp(end, now)));
            windows.put(entry.key, new OpenWindow<>(Math.max(closesAt(start), now) + RETENTION_MS, null));
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
}
