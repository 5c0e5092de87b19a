package io.otnn.bench;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Counts, per wall-clock second of the event time, the outputs slower than a threshold, and samples the JVM's GC time
 * per second beside them, so that a latency phase can tell a tail in bursts (a window closing, a GC pause, a stall of
 * the broker) from one spread evenly over the run.
 */
final class SlowSeconds {

    private static final DateTimeFormatter CLOCK =
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private final long thresholdMs;
    private final Map<Long, long[]> perSecond = new TreeMap<>();
    private final Map<Long, Long> gcPerSecond = new TreeMap<>();
    private final Thread sampler;
    private volatile boolean running = true;

    SlowSeconds(long thresholdMs) {
        this.thresholdMs = thresholdMs;
        this.sampler = new Thread(this::sampleGc, "bench-gc-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** One output whose event was at {@code eventTimeMs} and was read {@code latencyMs} later. */
    void add(long eventTimeMs, long latencyMs) {
        long[] counts = perSecond.computeIfAbsent(eventTimeMs / 1000, second -> new long[3]);
        counts[0]++;
        if (latencyMs > thresholdMs) {
            counts[1]++;
        }
        counts[2] = Math.max(counts[2], latencyMs);
    }

    void stop() throws InterruptedException {
        running = false;
        sampler.join();
    }

    /** The seconds in which more than 1 % of the outputs were slow, each with its GC time. */
    String summary() {
        long slowTotal = perSecond.values().stream().mapToLong(c -> c[1]).sum();
        long total = perSecond.values().stream().mapToLong(c -> c[0]).sum();
        String seconds = perSecond.entrySet().stream()
                .filter(e -> e.getValue()[1] * 100 > e.getValue()[0])
                .map(e -> String.format(
                        Locale.ROOT,
                        "%s %d of %d (max %d ms, GC %d ms)",
                        CLOCK.format(Instant.ofEpochSecond(e.getKey())),
                        e.getValue()[1],
                        e.getValue()[0],
                        e.getValue()[2],
                        gcPerSecond.getOrDefault(e.getKey(), 0L)))
                .collect(Collectors.joining("; "));
        return String.format(
                Locale.ROOT,
                "over %d ms: %d of %d outputs; seconds with more than 1 %% of them: %s",
                thresholdMs,
                slowTotal,
                total,
                seconds.isEmpty() ? "none" : seconds);
    }

    private void sampleGc() {
        long last = StreamBench.gcMillis();
        while (running) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = StreamBench.gcMillis();
            gcPerSecond.merge(System.currentTimeMillis() / 1000, now - last, Long::sum);
            last = now;
        }
    }
}
