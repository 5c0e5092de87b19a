package io.otnn.bench;

import io.otnn.avro.ExplanationMetrics;
import io.otnn.bench.drift.DriftEvaluation;
import io.otnn.bench.drift.DriftFixture;
import io.otnn.streams.drift.DriftFigures;
import io.otnn.streams.drift.DriftThresholds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Drift detection in the metric windows, measured: detection delays (in windows) of class-mix shifts (labels 0–4
 * only; 10 % and 20 % of extra class-0 images) and of brightness shifts (pixels × 0.5 and × 0.8), each half-way
 * through 20 windows and repeated with different seeds, and the false alarms per 100 windows of a stationary
 * stream, with the default thresholds.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.otnn.bench.DriftBench FASHION_MNIST_DIR [WINDOW_SIZE] [STATIONARY_WINDOWS] [REPEATS]</pre>
 *
 * Trains a dense OTNN (width 0.25, 3 epochs) on the first 10,000 training images; the reference statistics of its
 * checkpoint come from the first 2,000 test images; the streams are drawn from the other 50,000 training images.
 */
public final class DriftBench {

    private DriftBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 4) {
            System.err.println(
                    "usage: DriftBench FASHION_MNIST_DIR [WINDOW_SIZE=300] [STATIONARY_WINDOWS=1000] [REPEATS=20]");
            System.exit(2);
        }
        int windowSize;
        int stationaryWindows;
        int repeats;
        try {
            windowSize = args.length > 1 ? Integer.parseInt(args[1]) : 300;
            stationaryWindows = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
            repeats = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        } catch (NumberFormatException e) {
            System.err.println("DriftBench: not a number: " + e.getMessage());
            System.exit(2);
            return;
        }
        Path data = Path.of(args[0]);
        if (!Files.isRegularFile(data.resolve("train-images-idx3-ubyte.gz"))) {
            System.err.println("DriftBench: " + data + " has no train-images-idx3-ubyte.gz");
            System.exit(2);
        }
        Path work = Files.createTempDirectory("drift-bench-");
        DriftThresholds thresholds = DriftThresholds.defaults();
        long t0 = System.nanoTime();
        try (DriftFixture fixture = DriftFixture.train(data, work, 10_000, 2_000, 50_000, 3)) {
            System.out.printf(
                    Locale.ROOT,
                    "trained and explained a pool of %d images in %.0f s%n",
                    fixture.pool().size(),
                    (System.nanoTime() - t0) / 1e9);
            DriftEvaluation evaluation = new DriftEvaluation(
                    fixture.pool(), fixture.engine().driftReference(), thresholds, windowSize, work);
            System.out.printf(
                    Locale.ROOT,
                    "windows of %d explanations; thresholds p < %s, PSI ≥ %s, KS ≥ %s, min count %d%n",
                    windowSize,
                    thresholds.pValue(),
                    thresholds.psi(),
                    thresholds.ks(),
                    thresholds.minCount());
            List<String> scenarios =
                    List.of("class mix", "class tilt 0.1", "class tilt 0.2", "brightness 0.5", "brightness 0.8");
            for (int si = 0; si < scenarios.size(); si++) {
                String scenario = scenarios.get(si);
                Map<String, Integer> delays = new TreeMap<>();
                Map<String, Integer> firstAlarms = new TreeMap<>();
                int falseAlarms = 0;
                for (int r = 0; r < repeats; r++) {
                    long seed = 1000L * si + r;
                    DriftEvaluation.Run run = switch (scenario) {
                        case "class mix" -> evaluation.classMix(10, 10, seed);
                        case "class tilt 0.1" -> evaluation.classTilt(10, 10, seed, 0.1);
                        case "class tilt 0.2" -> evaluation.classTilt(10, 10, seed, 0.2);
                        case "brightness 0.5" -> evaluation.brightness(10, 10, seed, 0.5);
                        default -> evaluation.brightness(10, 10, seed, 0.8);
                    };
                    int delay = run.detectionDelay();
                    delays.merge(delay < 0 ? "none" : Integer.toString(delay), 1, Integer::sum);
                    falseAlarms += run.falseAlarms();
                    if (delay >= 0) {
                        firstAlarms.merge(String.join("+", run.alarmsAt(run.shiftWindow() + delay)), 1, Integer::sum);
                    }
                    if (r == 0) {
                        ExplanationMetrics before = run.windows().get(run.shiftWindow() - 1);
                        ExplanationMetrics after = run.windows().get(run.shiftWindow());
                        System.out.printf(
                                Locale.ROOT,
                                "%s, window before / after the shift: chi2 p %.3g / %.3g, PSI %.4f"
                                        + " / %.4f, KS %.4f / %.4f, KS p %.3g / %.3g%n",
                                scenario,
                                DriftFigures.of(before).classMixPValue(),
                                DriftFigures.of(after).classMixPValue(),
                                DriftFigures.of(before).classMixPsi(),
                                DriftFigures.of(after).classMixPsi(),
                                DriftFigures.of(before).certificateKs(),
                                DriftFigures.of(after).certificateKs(),
                                DriftFigures.of(before).certificateKsPValue(),
                                DriftFigures.of(after).certificateKsPValue());
                    }
                }
                System.out.printf(
                        Locale.ROOT,
                        "%s: detection delay (windows: runs) %s over %d runs; alarms of the first"
                                + " detecting window %s; false alarms before the shift %d of %d windows%n",
                        scenario,
                        delays,
                        repeats,
                        firstAlarms,
                        falseAlarms,
                        10 * repeats);
            }
            DriftEvaluation.Run stationary = evaluation.stationary(stationaryWindows, 7);
            long classMix = stationary.windows().stream()
                    .filter(w -> DriftFigures.of(w).alarms().contains("CLASS_MIX"))
                    .count();
            long certificate = stationary.windows().stream()
                    .filter(w -> DriftFigures.of(w).alarms().contains("CERTIFICATE"))
                    .count();
            long pBelow = stationary.windows().stream()
                    .filter(w -> DriftFigures.of(w).classMixPValue() < thresholds.pValue()
                            || DriftFigures.of(w).certificateKsPValue() < thresholds.pValue())
                    .count();
            System.out.printf(
                    Locale.ROOT,
                    "stationary: %d windows, %.2f false alarms per 100 windows (CLASS_MIX %d,"
                            + " CERTIFICATE %d); windows with a p-value below %s (the significance alone) %d%n",
                    stationaryWindows,
                    100.0 * stationary.falseAlarms() / stationaryWindows,
                    classMix,
                    certificate,
                    thresholds.pValue(),
                    pBelow);
        }
        System.out.printf(Locale.ROOT, "total %.0f s%n", (System.nanoTime() - t0) / 1e9);
    }
}
