package io.otnn.streams.shadow;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The comparisons one task forwarded since its last flush, per metric window and model pair: forwarded as one
 * partial record per window and pair (not one per image), then cleared.
 */
public final class ComparisonPartials {

    /** What a flush hands over: the partial's key ({@link ModelPair#key()}), figures and timestamp. */
    public interface Forward {
        void partial(String pairKey, ComparisonAccumulator figures, long timestamp);
    }

    private record Slot(long windowStart, String pairKey) {}

    private final long windowMs;
    private final Map<Slot, ComparisonAccumulator> partials = new LinkedHashMap<>();
    /** latest event time counted in each slot: the partial's timestamp, so that stream time advances as usual */
    private final Map<Slot, Long> partialTimes = new LinkedHashMap<>();

    public ComparisonPartials(long windowMs) {
        this.windowMs = windowMs;
    }

    public void add(ModelPair pair, ImageComparison comparison, long eventTime) {
        Slot slot = new Slot(eventTime - Math.floorMod(eventTime, windowMs), pair.key());
        partials.computeIfAbsent(slot, s -> new ComparisonAccumulator(pair)).add(comparison);
        partialTimes.merge(slot, eventTime, Math::max);
    }

    /** Hands each slot's figures to {@code forward}, in the order they were first counted, then forgets them. */
    public void flush(Forward forward) {
        partials.forEach((slot, figures) -> forward.partial(slot.pairKey(), figures, partialTimes.get(slot)));
        partials.clear();
        partialTimes.clear();
    }
}
