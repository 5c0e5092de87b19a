package io.otnn.bench;

import java.util.Arrays;

/**
 * This process's CPU time sampled against the wall clock every few milliseconds by a thread of its own, so that the
 * CPU spent between two wall-clock instants known only afterwards (the broker's append times of two output records)
 * can be read back by linear interpolation.
 */
final class CpuTimeline implements AutoCloseable {

    private static final long PERIOD_MS = 10;

    private final Thread sampler;
    private long[] wallMillis = new long[1024];
    private long[] cpuNanos = new long[1024];
    private int size;
    private volatile boolean running = true;

    private CpuTimeline() {
        sample();
        sampler = new Thread(this::run, "cpu-timeline");
        sampler.setDaemon(true);
        sampler.start();
    }

    static CpuTimeline start() {
        return new CpuTimeline();
    }

    private void run() {
        while (running) {
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
            sample();
        }
    }

    private synchronized void sample() {
        if (size == wallMillis.length) {
            wallMillis = Arrays.copyOf(wallMillis, size * 2);
            cpuNanos = Arrays.copyOf(cpuNanos, size * 2);
        }
        wallMillis[size] = System.currentTimeMillis();
        cpuNanos[size] = ModelCallCost.processCpuNanos();
        size++;
    }

    /** Process CPU nanoseconds at wall-clock {@code millis}, interpolated between the two samples around it. */
    synchronized double cpuNanosAt(long millis) {
        if (millis <= wallMillis[0]) {
            return cpuNanos[0];
        }
        for (int i = 1; i < size; i++) {
            if (wallMillis[i] >= millis) {
                long span = wallMillis[i] - wallMillis[i - 1];
                double f = span == 0 ? 1 : (double) (millis - wallMillis[i - 1]) / span;
                return cpuNanos[i - 1] + f * (cpuNanos[i] - cpuNanos[i - 1]);
            }
        }
        return cpuNanos[size - 1];
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
        sample();
    }
}
