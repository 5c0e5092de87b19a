package io.otnn.streams.time;

/**
 * Which time an output record carries, so that the broker never refuses it for its timestamp and one odd image
 * cannot move the metric windows: an event time within {@code maxFutureMs} ahead of and {@code maxPastMs} behind
 * the arrival time (the wall clock when the explainer read the image) is used as is; any other is replaced by the
 * arrival time, with the reason. A zero or negative event time counts as absent: the record timestamp stands in for
 * it when that is within the same bounds.
 *
 * <p>Defaults: 10 minutes ahead and 7 days behind, below Kafka's broker limits
 * ({@code message.timestamp.after.max.ms} = 1 h in Kafka 4, {@code message.timestamp.before.max.ms} = unlimited).
 * Both bounds are inclusive.
 */
public final class EventTimePolicy {

    public static final long DEFAULT_MAX_FUTURE_MS = 10 * 60 * 1000L;
    public static final long DEFAULT_MAX_PAST_MS = 7 * 24 * 60 * 60 * 1000L;

    private final long maxFutureMs;
    private final long maxPastMs;

    public EventTimePolicy(long maxFutureMs, long maxPastMs) {
        if (maxFutureMs < 0 || maxPastMs < 0) {
            throw new IllegalArgumentException(
                    "the allowed skews must not be negative: " + maxFutureMs + ", " + maxPastMs);
        }
        this.maxFutureMs = maxFutureMs;
        this.maxPastMs = maxPastMs;
    }

    public static EventTimePolicy defaults() {
        return new EventTimePolicy(DEFAULT_MAX_FUTURE_MS, DEFAULT_MAX_PAST_MS);
    }

    /** The same policy, its skews narrowed to what a topic accepts (for topic-level timestamp limits). */
    public EventTimePolicy within(long topicMaxFutureMs, long topicMaxPastMs) {
        return new EventTimePolicy(Math.min(maxFutureMs, topicMaxFutureMs), Math.min(maxPastMs, topicMaxPastMs));
    }

    /**
     * @param eventTime       the image's event time (epoch ms; zero or negative = absent)
     * @param recordTimestamp the input record's timestamp
     * @param arrivalMs       the wall clock when the image was read
     */
    public EventTime decide(long eventTime, long recordTimestamp, long arrivalMs) {
        if (eventTime <= 0) {
            return new EventTime(
                    accepts(recordTimestamp, arrivalMs) ? recordTimestamp : arrivalMs, TimeAdjustment.MISSING);
        }
        if (eventTime - arrivalMs > maxFutureMs) {
            return new EventTime(arrivalMs, TimeAdjustment.FUTURE);
        }
        if (arrivalMs - eventTime > maxPastMs) {
            return new EventTime(arrivalMs, TimeAdjustment.PAST);
        }
        return new EventTime(eventTime, TimeAdjustment.NONE);
    }

    /** A timestamp for a record that has no event time of its own (dead letters, metric windows). */
    public long recordTimestamp(long candidate, long nowMs) {
        return accepts(candidate, nowMs) ? candidate : nowMs;
    }

    private boolean accepts(long timestamp, long nowMs) {
        return timestamp > 0 && timestamp - nowMs <= maxFutureMs && nowMs - timestamp <= maxPastMs;
    }

    public long maxFutureMs() {
        return maxFutureMs;
    }

    public long maxPastMs() {
        return maxPastMs;
    }
}
