package io.otnn.streams.batching;

import io.otnn.streams.fidelity.OnlineFidelity;
import io.otnn.streams.metrics.MetricsAccumulator;
import io.otnn.streams.metrics.MetricsSample;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures of the outcomes one task forwarded since its last flush, per model version ({@code model@version} of
 * each outcome's own model, so that an image explained right after a live swap never counts under the version
 * before) and metric window: forwarded as one partial record per version and window (not one per image), then
 * cleared.
 */
final class MetricPartials {

    /** Receives one partial: its model key, its figures and its timestamp. */
    interface Sink {
        void accept(String modelKey, MetricsAccumulator figures, long timestamp);
    }

    private record Slot(String modelKey, long windowStart) implements Comparable<Slot> {
        @Override
        public int compareTo(Slot other) {
            int byWindow = Long.compare(windowStart, other.windowStart);
            return byWindow != 0 ? byWindow : modelKey.compareTo(other.modelKey);
        }
    }

    private final long windowMs;
    private final List<Double> epsilons;
    private final Map<Slot, MetricsAccumulator> partials = new TreeMap<>();
    /** latest event time counted in each window: the partial's timestamp, so that stream time advances as usual */
    private final Map<Slot, Long> partialTimes = new TreeMap<>();

    MetricPartials(long windowMs, List<Double> epsilons) {
        this.windowMs = windowMs;
        this.epsilons = List.copyOf(epsilons);
    }

    void add(String modelKey, MetricsSample sample, long eventTime) {
        Slot slot = slot(modelKey, eventTime);
        partials.computeIfAbsent(slot, w -> new MetricsAccumulator(epsilons.size()))
                .add(sample, epsilons);
        partialTimes.merge(slot, eventTime, Math::max);
    }

    /** Counts one sampled image's fidelity into the window of {@code eventTime} (its explanation's window). */
    void addFidelity(String modelKey, OnlineFidelity.Score score, long eventTime) {
        Slot slot = slot(modelKey, eventTime);
        partials.computeIfAbsent(slot, w -> new MetricsAccumulator(epsilons.size()))
                .addFidelity(score.muFidelity(), score.deletionAuc());
        partialTimes.merge(slot, eventTime, Math::max);
    }

    /** Hands each version's and window's figures to {@code forward}, oldest window first, then forgets them. */
    void flush(Sink forward) {
        partials.forEach((slot, figures) -> forward.accept(slot.modelKey(), figures, partialTimes.get(slot)));
        partials.clear();
        partialTimes.clear();
    }

    private Slot slot(String modelKey, long eventTime) {
        return new Slot(modelKey, eventTime - Math.floorMod(eventTime, windowMs));
    }
}
