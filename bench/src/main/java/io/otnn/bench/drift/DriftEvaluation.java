package io.otnn.bench.drift;

import io.otnn.avro.ExplanationMetrics;
import io.otnn.streams.drift.DriftFigures;
import io.otnn.streams.drift.DriftMonitor;
import io.otnn.streams.drift.DriftReference;
import io.otnn.streams.drift.DriftThresholds;
import io.otnn.streams.metrics.MetricsSample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Drift scenarios through the real metric windows: a stream of explanations drawn (with replacement, seeded) from an
 * {@link ExplainedPool} of images the model never saw, counted in windows of {@code windowSize} explanations, with
 * the checkpoint's reference statistics and the given thresholds.
 *
 * <ul>
 *   <li>class mix: half-way, the images come only from the classes whose label is below 5;</li>
 *   <li>class tilt: half-way, a share of the images comes from class 0 (T-shirt/top) alone, the rest from all;</li>
 *   <li>brightness: half-way, the images are the same population with every pixel × a factor;</li>
 *   <li>stationary: every window from the pool as it is; the alarms are false alarms.</li>
 * </ul>
 */
public final class DriftEvaluation {

    public static final String MODEL_KEY = "drift-evaluation@1";

    /** The windows of one run and where its shift was. */
    public record Run(String scenario, int shiftWindow, List<ExplanationMetrics> windows) {

        /** Windows after the shift until the first alarmed one (0: the first shifted window alarms); -1 if none. */
        public int detectionDelay() {
            for (int w = shiftWindow; w < windows.size(); w++) {
                if (!DriftFigures.of(windows.get(w)).alarms().isEmpty()) {
                    return w - shiftWindow;
                }
            }
            return -1;
        }

        /** Windows before the shift (all of a stationary run) that raised an alarm. */
        public int falseAlarms() {
            int count = 0;
            for (int w = 0; w < Math.min(shiftWindow, windows.size()); w++) {
                if (!DriftFigures.of(windows.get(w)).alarms().isEmpty()) {
                    count++;
                }
            }
            return count;
        }

        public List<String> alarmsAt(int window) {
            return DriftFigures.of(windows.get(window)).alarms();
        }
    }

    private final ExplainedPool pool;
    private final DriftMonitor monitor;
    private final int windowSize;
    private final Path stateDir;

    public DriftEvaluation(
            ExplainedPool pool, DriftReference reference, DriftThresholds thresholds, int windowSize, Path stateDir) {
        this.pool = pool;
        this.monitor = new DriftMonitor(Map.of(MODEL_KEY, reference), thresholds);
        this.windowSize = windowSize;
        this.stateDir = stateDir;
    }

    public Run classMix(int before, int after, long seed) throws IOException {
        return run("class mix", before, after, seed, pool.original(), pool.original(), e -> e.label() < 5);
    }

    /** After the shift each image is, with probability {@code share}, one of class 0, else any. */
    public Run classTilt(int before, int after, long seed, double share) throws IOException {
        List<ExplainedPool.Entry> tilted = new ArrayList<>(pool.original());
        List<ExplainedPool.Entry> zero =
                pool.original().stream().filter(e -> e.label() == 0).toList();
        // the tilted population as a list: the pool plus enough class-0 copies that class 0's extra share is `share`
        int extra = (int) Math.round(share / (1 - share) * pool.size());
        for (int i = 0; i < extra; i++) {
            tilted.add(zero.get(i % zero.size()));
        }
        return run("class tilt " + share, before, after, seed, pool.original(), tilted, e -> true);
    }

    public Run brightness(int before, int after, long seed) throws IOException {
        return brightness(before, after, seed, 0.5);
    }

    public Run brightness(int before, int after, long seed, double factor) throws IOException {
        return run("brightness " + factor, before, after, seed, pool.original(), pool.darkened(factor), e -> true);
    }

    public Run stationary(int windows, long seed) throws IOException {
        return run("stationary", windows, 0, seed, pool.original(), pool.original(), e -> true);
    }

    private Run run(
            String name,
            int before,
            int after,
            long seed,
            List<ExplainedPool.Entry> first,
            List<ExplainedPool.Entry> second,
            Predicate<ExplainedPool.Entry> afterFilter)
            throws IOException {
        List<ExplainedPool.Entry> shifted = second.stream().filter(afterFilter).toList();
        SplittableRandom random = new SplittableRandom(seed);
        List<ExplanationMetrics> out = new ArrayList<>();
        Path dir = Files.createTempDirectory(stateDir, "windows-");
        try (MetricsWindows windows = new MetricsWindows(monitor, 10_000, dir)) {
            for (int w = 0; w < before + after; w++) {
                List<ExplainedPool.Entry> from = w < before ? first : shifted;
                List<MetricsSample> samples = new ArrayList<>(windowSize);
                for (int i = 0; i < windowSize; i++) {
                    ExplainedPool.Entry e = from.get(random.nextInt(from.size()));
                    samples.add(new MetricsSample(
                            "drift-evaluation", 1, null, e.predicted(), e.label(), e.certificate(), 0, 0, 0, 64));
                }
                out.add(windows.window(MODEL_KEY, samples, 64));
            }
        }
        return new Run(name, before, out);
    }
}
