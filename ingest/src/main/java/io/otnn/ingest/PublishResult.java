package io.otnn.ingest;

import java.util.List;

/**
 * What a publish run did.
 *
 * @param sent     images acknowledged by Kafka
 * @param failed   images Kafka refused
 * @param skipped  items that could not be read (each with a one-line reason in {@code messages})
 * @param messages the reasons, "path: why"
 * @param seconds  wall time of the run
 * @param stoppedBy why the run stopped before its sources ended (a refused credential), or null
 */
public record PublishResult(
        long sent, long failed, long skipped, List<String> messages, double seconds, String stoppedBy) {

    /** True when the run stopped early on a failure no retry can fix ({@link #stoppedBy()}). */
    public boolean stopped() {
        return stoppedBy != null;
    }

    public double rate() {
        return seconds <= 0 ? 0 : sent / seconds;
    }

    /** At least one image sent and no credential refused. */
    public boolean succeeded() {
        return sent > 0 && !stopped();
    }

    /** One line for a person: "Sent 40 image(s) to otnn.images in 1.2 s (33/s); 0 unreadable, 0 refused". */
    public String summary(String topic) {
        return String.format(
                "Sent %,d image(s) to %s in %.1f s (%,.0f/s); %d unreadable, %d refused",
                sent, topic, seconds, rate(), skipped, failed);
    }
}
