package io.otnn.cli.demo;

import io.otnn.avro.Explanation;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the demo's status line shows: explanations per second, end-to-end latency quantiles and the mean certificate
 * over a sliding window of recent explanations, the running count of dead letters, the model version that made the
 * latest explanation with the count of each version, and what the trainer service is doing.
 */
final class LiveStatus {

    private record Sample(long receivedAtMs, double latencyMs, double radius) {}

    private final long windowMs;
    private final Deque<Sample> recent = new ArrayDeque<>();
    private long explained;
    private long deadLetters;
    private final Map<Integer, Long> byVersion = new TreeMap<>();
    private String model;
    private int version;
    private String training = "";

    LiveStatus(long windowMs) {
        this.windowMs = windowMs;
    }

    void onExplanation(Explanation explanation, long nowMs) {
        explained++;
        model = explanation.getModelName();
        version = explanation.getModelVersion();
        byVersion.merge(version, 1L, Long::sum);
        double latency = nowMs - explanation.getEventTime().toEpochMilli();
        recent.addLast(new Sample(nowMs, latency, explanation.getCertificate().getRadius()));
    }

    void onDeadLetter() {
        deadLetters++;
    }

    /** What the trainer service reports, e.g. "training v2: epoch 3/10"; empty for nothing. */
    void training(String note) {
        training = note == null ? "" : note;
    }

    /** Explanations made by each model version, in version order. */
    Map<Integer, Long> explainedByVersion() {
        return Map.copyOf(byVersion);
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
        String line = String.format(
                Locale.ROOT,
                "explained %,d (%.0f/s)  latency p50 %s p99 %s  mean certificate %.3f  dead letters %d",
                explained,
                rate,
                millis(quantile(latencies, 0.50)),
                millis(quantile(latencies, 0.99)),
                meanRadius,
                deadLetters);
        if (model != null) {
            StringBuilder versions = new StringBuilder();
            byVersion.forEach((v, n) -> versions.append(versions.length() == 0 ? "" : ", ")
                    .append(String.format(Locale.ROOT, "v%d %,d", v, n)));
            line = "model v" + version + " (" + versions + ")  " + line;
        }
        return training.isEmpty() ? line : line + "  " + training;
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
