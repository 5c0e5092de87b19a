package io.otnn.bench;

import io.otnn.datasets.IdxDataset;
import io.otnn.explain.input.ImageDecoder;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.explaining.OtnnEngine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The CPU and wall time of the stream's full model call (the {@link BatchExplainer#explain} the batching processor
 * makes: the explanation and its self-check) per image, at one batch size, on the stream's own engine
 * ({@link OtnnEngine}).
 *
 * <p>In a JVM of its own ({@link #inChildJvm}) the CPU is that of the model call alone; TensorFlow's thread pools are
 * sized when the first model of a process loads, so a measurement with other thread counts needs its own JVM. As a
 * main: {@code ModelCallCost CHECKPOINT IDX_DIR BATCH [SECONDS]}, printing one {@code model-call ...} line.
 */
public final class ModelCallCost {

    /** Per image: wall microseconds of the call, process CPU microseconds during it, and the calls timed. */
    public record Cost(int batch, double wallMicros, double cpuMicros, int calls, String threads) {

        String describe() {
            return String.format(
                    Locale.ROOT,
                    "model call at batch %d, TensorFlow threads %s: %.1f µs wall and %.1f µs CPU per image (%d calls)",
                    batch,
                    threads,
                    wallMicros,
                    cpuMicros,
                    calls);
        }
    }

    private ModelCallCost() {}

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        Path idx = Path.of(args[1]);
        int batch = Integer.parseInt(args[2]);
        double seconds = args.length > 3 ? Double.parseDouble(args[3]) : 3;
        try (OtnnEngine engine = OtnnEngine.load(model)) {
            float[][] images = IdxDataset.readTestSet(idx, new ImageDecoder(engine.model()), batch)
                    .images();
            Cost cost = measure(engine, images, seconds, 0, threadsOfThisJvm());
            System.out.printf(
                    Locale.ROOT, "model-call %d %.3f %.3f %d%n", batch, cost.wallMicros, cost.cpuMicros, cost.calls);
        }
    }

    /**
     * Times {@code explain(images)} for about {@code seconds} after a warm-up of the same length.
     *
     * @param idleCpuNanosPerSecond the process's CPU per wall second when idle, subtracted (0 in a JVM of its own)
     */
    public static Cost measure(
            OtnnEngine engine, float[][] images, double seconds, double idleCpuNanosPerSecond, String threads) {
        try (BatchExplainer explainer = engine.newExplainer()) {
            long warmEnd = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < warmEnd) explainer.explain(images);
            int calls = 0;
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            long end = t0 + (long) (seconds * 1e9);
            long now;
            do {
                explainer.explain(images);
                calls++;
                now = System.nanoTime();
            } while (now < end);
            double wall = now - t0;
            double cpu = processCpuNanos() - cpu0 - idleCpuNanosPerSecond * wall / 1e9;
            double perImage = (double) calls * images.length;
            return new Cost(images.length, wall / 1e3 / perImage, Math.max(0, cpu) / 1e3 / perImage, calls, threads);
        }
    }

    /** The process's CPU per wall second over {@code millis} of doing nothing here (the broker's idle work). */
    public static double idleCpuNanosPerSecond(long millis) throws InterruptedException {
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        Thread.sleep(millis);
        return (processCpuNanos() - cpu0) / ((System.nanoTime() - t0) / 1e9);
    }

    /**
     * The same measurement in a child JVM with this JVM's class path and {@code tensorFlowThreads} intra- and
     * inter-op threads (0: TensorFlow's default).
     */
    public static Cost inChildJvm(Path model, Path idx, int batch, double seconds, int tensorFlowThreads)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dai.djl.offline=true");
        if (tensorFlowThreads > 0) {
            command.add("-Dai.djl.tensorflow.num_intraop_threads=" + tensorFlowThreads);
            command.add("-Dai.djl.tensorflow.num_interop_threads=" + tensorFlowThreads);
        }
        command.addAll(Arrays.asList(
                "-cp",
                System.getProperty("java.class.path"),
                ModelCallCost.class.getName(),
                model.toString(),
                idx.toString(),
                Integer.toString(batch),
                Double.toString(seconds)));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String found = null;
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("model-call ")) found = line;
            }
        }
        if (!child.waitFor(5, TimeUnit.MINUTES) || child.exitValue() != 0 || found == null) {
            child.destroyForcibly();
            throw new IllegalStateException("the model-call measurement in a child JVM failed: " + command);
        }
        String[] f = found.split(" ");
        return new Cost(
                Integer.parseInt(f[1]),
                Double.parseDouble(f[2]),
                Double.parseDouble(f[3]),
                Integer.parseInt(f[4]),
                tensorFlowThreads > 0 ? Integer.toString(tensorFlowThreads) : "default (all cores)");
    }

    private static String threadsOfThisJvm() {
        String intra = System.getProperty("ai.djl.tensorflow.num_intraop_threads");
        return intra == null ? "default (all cores)" : intra;
    }

    /** CPU time of this JVM's process so far, all threads. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
