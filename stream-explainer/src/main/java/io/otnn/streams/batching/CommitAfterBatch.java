package io.otnn.streams.batching;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which batches ask Kafka Streams for a commit as soon as their outcomes are forwarded ({@code commit.after.batch}).
 * An explanation becomes readable to a {@code read_committed} consumer only when its transaction commits; without a
 * request it waits for the next {@code commit.interval.ms} tick, half an interval on average.
 */
public enum CommitAfterBatch {
    /** only at {@code commit.interval.ms} */
    NONE,
    /**
     * after a batch smaller than {@code batch.max.size}: one the wait closed, so traffic is below what the explainer
     * can take and the extra transaction is paid from idle time; under load, full batches commit at the interval
     */
    PARTIAL,
    /** after every batch: one transaction per batch at any rate */
    EVERY;

    /** The setting's value as written in the configuration. */
    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Every value the setting takes, as written in the configuration. */
    public static String[] configValues() {
        return Arrays.stream(values()).map(CommitAfterBatch::configValue).toArray(String[]::new);
    }

    /** @throws IllegalArgumentException for a value that is not one of {@link #configValues()} */
    public static CommitAfterBatch parse(String value) {
        return Arrays.stream(values())
                .filter(mode -> mode.configValue().equals(value))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "commit.after.batch must be one of " + String.join(", ", configValues()) + ", got " + value));
    }
}
