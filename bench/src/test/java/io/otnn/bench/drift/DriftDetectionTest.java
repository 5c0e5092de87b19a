package io.otnn.bench.drift;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.datasets.SampleData;
import io.otnn.streams.drift.DriftFigures;
import io.otnn.streams.drift.DriftReference;
import io.otnn.streams.drift.DriftThresholds;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drift detection end to end on a trained model and the real engine: a dense OTNN trained on 1,000 images of the
 * committed Fashion-MNIST sample, its checkpoint's reference statistics from the sample's 500 test images, streams
 * drawn from the 1,000 training images it never saw, through the stream's metric windows (TopologyTestDriver of the
 * metrics part) in windows of 300 explanations, with the default thresholds. {@code DriftBench} measures the same on
 * full Fashion-MNIST with more windows (bench/README.md).
 */
class DriftDetectionTest {

    private static final int WINDOW = 300;

    @TempDir
    static Path tmp;

    private static DriftFixture fixture;
    private static DriftEvaluation evaluation;

    @BeforeAll
    static void train() throws Exception {
        Path data = SampleData.extract(tmp.resolve("data"));
        fixture = DriftFixture.train(data, tmp, 1000, 500, 1000, 2);
        DriftReference reference = fixture.engine().driftReference();
        assertThat(reference.certificates())
                .as("the trained checkpoint's certificate sample")
                .isNotNull();
        assertThat(reference.certificates().sampleSize()).isEqualTo(500);
        assertThat(reference.predictedClassCounts()).hasSize(10);
        evaluation = new DriftEvaluation(fixture.pool(), reference, DriftThresholds.defaults(), WINDOW, tmp);
    }

    @AfterAll
    static void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void shouldRaiseAClassMixAlarmWithinTwoWindowsWhenTheClassMixShiftsHalfWay() throws Exception {
        DriftEvaluation.Run run = evaluation.classMix(6, 6, 1);
        System.out.printf(
                "class mix shift: detection delay %d window(s), alarms %s, false alarms before %d%n",
                run.detectionDelay(),
                run.detectionDelay() < 0 ? "none" : run.alarmsAt(6 + run.detectionDelay()),
                run.falseAlarms());
        assertThat(run.detectionDelay()).isBetween(0, 1);
        assertThat(run.alarmsAt(6 + run.detectionDelay())).contains("CLASS_MIX");
        assertThat(run.falseAlarms()).isZero();
        assertThat(run.windows())
                .allSatisfy(w -> assertThat(w.getExplainedCount()).isEqualTo((long) WINDOW));
    }

    @Test
    void shouldRaiseAnAlarmWithinTwoWindowsWhenTheImagesDarkenHalfWay() throws Exception {
        DriftEvaluation.Run run = evaluation.brightness(6, 6, 2);
        System.out.printf(
                "brightness ×0.5: detection delay %d window(s), alarms %s, KS before/after %.3f/%.3f,"
                        + " false alarms before %d%n",
                run.detectionDelay(),
                run.detectionDelay() < 0 ? "none" : run.alarmsAt(6 + run.detectionDelay()),
                DriftFigures.of(run.windows().get(5)).certificateKs(),
                DriftFigures.of(run.windows().get(6)).certificateKs(),
                run.falseAlarms());
        assertThat(run.detectionDelay()).isBetween(0, 1);
        assertThat(run.falseAlarms()).isZero();
    }

    @Test
    void shouldRaiseFewFalseAlarmsWhenTheStreamIsStationary() throws Exception {
        DriftEvaluation.Run run = evaluation.stationary(100, 3);
        long significant = run.windows().stream()
                .filter(w -> DriftFigures.of(w).classMixPValue() < 0.001
                        || DriftFigures.of(w).certificateKsPValue() < 0.001)
                .count();
        long classMix = run.windows().stream()
                .filter(w -> DriftFigures.of(w).alarms().contains("CLASS_MIX"))
                .count();
        long certificate = run.windows().stream()
                .filter(w -> DriftFigures.of(w).alarms().contains("CERTIFICATE"))
                .count();
        System.out.printf(
                "stationary: %d false alarm(s) in 100 windows (CLASS_MIX %d, CERTIFICATE %d); %d window(s)"
                        + " with a p-value below 0.001%n",
                run.falseAlarms(), classMix, certificate, significant);
        // two tests at p < 0.001 each: 0.2 false alarms expected per 100 windows, and 4 or more has probability
        // 6e-5; the windows are drawn from a pool of 1,000 images, whose own departure from the population the
        // reference came from adds to every window's statistic, so the bound leaves room for that
        assertThat(run.falseAlarms()).isLessThanOrEqualTo(3);
        assertThat(run.windows()).allSatisfy(w -> {
            assertThat(DriftFigures.of(w).classMixPValue()).isNotNull();
            assertThat(DriftFigures.of(w).certificateKsPValue()).isNotNull();
        });
    }
}
