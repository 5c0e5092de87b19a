package io.otnn.streams.metrics;

import io.otnn.avro.ExplanationMetrics;
import io.otnn.streams.drift.DriftMonitor;
import io.otnn.streams.time.EventTimePolicy;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metric windows: {@link WallClockWindowsProcessor}'s tumbling windows, closed on the wall clock, of the partial
 * figures of each batch keyed by model@version ({@link MetricsAccumulator}), published as {@code ExplanationMetrics}
 * with the drift figures of their model version. Late figures are counted by a {@link LateCounter} and logged; their
 * explanations and dead letters are published as usual.
 */
public final class MetricWindowsProcessor extends WallClockWindowsProcessor<MetricsAccumulator, ExplanationMetrics> {

    private static final Logger LOG = LoggerFactory.getLogger(MetricWindowsProcessor.class);

    private final List<Double> epsilons;
    private final LateCounter late;
    /** model key → the last window whose late figures were logged at WARN */
    private final java.util.Map<String, Long> lateWarned = new java.util.HashMap<>();

    private final DriftMonitor drift;

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
        super(storeName, windowMs, graceMs, policy);
        this.drift = drift;
        this.epsilons = List.copyOf(epsilons);
        this.late = late;
    }

    /** The store of windows, key {@code <window start ms>/<model>@<version>}. */
    public static StoreBuilder<KeyValueStore<String, OpenWindow<MetricsAccumulator>>> storeBuilder(String name) {
        return storeBuilder(name, MetricsAccumulator.serde());
    }

    @Override
    protected MetricsAccumulator merge(String modelKey, MetricsAccumulator window, MetricsAccumulator partial) {
        MetricsAccumulator figures = window == null ? partial : window.merge(partial);
        figures.driftCertificates().settle(drift.grid(modelKey));
        return figures;
    }

    @Override
    protected ExplanationMetrics toRecord(long start, long end, String modelKey, MetricsAccumulator figures) {
        return figures.toRecord(
                start,
                end,
                epsilons,
                drift.assess(
                        modelKey,
                        figures.explanations(),
                        figures.classHistogram(),
                        figures.driftCertificates().counts()));
    }

    @Override
    protected void late(String modelKey, long windowStart, MetricsAccumulator partial, long msAfterClose) {
        late.add(partial);
        // one line per window and model version: a lagging stream sends one late partial per task and batch
        boolean first = !Long.valueOf(windowStart).equals(lateWarned.put(modelKey, windowStart));
        String line = "Late metric figures for the window {} of {} ({} explanation(s), {} dead letter(s)): the window "
                + "was published {} ms ago; not counted"
                + (first ? " (later ones of this window are logged at DEBUG; all are counted in lateMetrics())" : "");
        Object[] args = {
            Instant.ofEpochMilli(windowStart), modelKey, partial.explanations(), partial.deadLetters(), msAfterClose
        };
        if (first) {
            LOG.warn(line, args);
        } else {
            LOG.debug(line, args);
        }
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
