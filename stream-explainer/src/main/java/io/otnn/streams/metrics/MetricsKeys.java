package io.otnn.streams.metrics;

import java.time.Instant;

/** Keys of the metrics records: {@code <window start ISO-8601>/<model>@<version>}. */
public final class MetricsKeys {

    private MetricsKeys() {}

    public static String of(long windowStart, String modelKey) {
        return Instant.ofEpochMilli(windowStart) + "/" + modelKey;
    }
}
