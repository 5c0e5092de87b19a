package io.otnn.streams.batching;

import io.otnn.streams.fidelity.OnlineFidelity;
import io.otnn.streams.metrics.MetricsAccumulator;
import io.otnn.streams.metrics.MetricsSample;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * The figures of the outcomes one task forwarded since its last flush, per metric window: forwarded as one
 * partial record per window (not one per image), then cleared.
 */
final class MetricPartials {

    private final long windowMs;
    private final List<Double> epsilons;
    private final Map<Long, MetricsAccumulator> partials = new TreeMap<>();
    /** latest event time counted in each window: the partial's timestamp, so that stream time advances as usual */
    private final Map<Long, Long> partialTimes = new TreeMap<>();

    MetricPartials(long windowMs, List<Double> epsilons) {
        this.windowMs = windowMs;
        this.epsilons = List.copyOf(epsilons);
    }

    void add(MetricsSample sample, long eventTime) {
        long windowStart = eventTime - Math.floorMod(eventTime, windowMs);
        partials.computeIfAbsent(windowStart, w -> new MetricsAccumulator(epsilons.size()))
                .add(sample, epsilons);
        partialTimes.merge(windowStart, eventTime, Math::max);
    }

    /** Counts one sampled image's fidelity into the window of {@code eventTime} (its explanation's window). */
    void addFidelity(OnlineFidelity.Score score, long eventTime) {
        long windowStart = eventTime - Math.floorMod(eventTime, windowMs);
        partials.computeIfAbsent(windowStart, w -> new MetricsAccumulator(epsilons.size()))
                .addFidelity(score.muFidelity(), score.deletionAuc());
        partialTimes.merge(windowStart, eventTime, Math::max);
    }

    /** Hands each window's figures and timestamp to {@code forward}, oldest window first, then forgets them. */
    void flush(BiConsumer<MetricsAccumulator, Long> forward) {
        partials.forEach((windowStart, figures) -> forward.accept(figures, partialTimes.get(windowStart)));
        partials.clear();
        partialTimes.clear();
    }
}
