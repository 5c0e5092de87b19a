package io.otnn.cli.demo;

import io.otnn.avro.Explanation;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Locale;

/**
 * What the demo's status line shows: explanations per second, end-to-end latency quantiles and the mean certificate
 * over a sliding window of recent explanations, and the running count of dead letters.
 */
final class LiveStatus {

    private record Sample(long receivedAtMs, double latencyMs, double radius) {}

    private final long windowMs;
    private final Deque<Sample> recent = new ArrayDeque<>();
    private long explained;
    private long deadLetters;

    LiveStatus(long windowMs) {
        this.windowMs = windowMs;
    }

    void onExplanation(Explanation explanation, long nowMs) {
        explained++;
        double latency = nowMs - explanation.getEventTime().toEpochMilli();
        recent.addLast(new Sample(nowMs, latency, explanation.getCertificate().getRadius()));
    }

    void onDeadLetter() {
        deadLetters++;
    }

    long explained() {
        return explained;
    }

    long deadLetters() {
        return deadLetters;
    }

    String line(long nowMs) {
        while (!recent.isEmpty() && recent.peekFirst().receivedAtMs() < nowMs - windowMs) {
            recent.removeFirst();
        }
        double[] latencies =
                recent.stream().mapToDouble(Sample::latencyMs).sorted().toArray();
        double meanRadius =
                recent.stream().mapToDouble(Sample::radius).average().orElse(Double.NaN);
        double rate = recent.size() * 1000.0 / windowMs;
        return String.format(
                Locale.ROOT,
                "explained %,d (%.0f/s)  latency p50 %s p99 %s  mean certificate %.3f  dead letters %d",
                explained,
                rate,
                millis(quantile(latencies, 0.50)),
                millis(quantile(latencies, 0.99)),
                meanRadius,
                deadLetters);
    }

    /** Nearest-rank quantile of sorted values; NaN when there are none. */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static String millis(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.0f ms", value);
    }

    @Override
    public String toString() {
        return "LiveStatus" + Arrays.asList(explained, deadLetters);
    }
}
