package io.otnn.streams.drift;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DriftMonitorTest {

    private static final String KEY = "m@1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode reference(boolean counts, boolean sample) {
        ObjectNode r = JSON.createObjectNode();
        r.putArray("classPriors").add(0.5).add(0.5);
        r.putArray("predictedClassPriors").add(0.5).add(0.5);
        r.put("meanCertificate", 0.5);
        if (counts) {
            r.putArray("predictedClassCounts").add(500).add(500);
        }
        if (sample) {
            var s = r.putArray("certificateSample");
            for (int i = 0; i < 1000; i++) {
                s.add((i + 0.5) / 1000.0);
            }
        }
        return r;
    }

    private static long[] bins(DriftReference reference, double[] certificates) {
        CertificateBins bins = new CertificateBins();
        for (double c : certificates) {
            bins.add(c);
        }
        return bins.settle(reference.certificates()).counts();
    }

    private static double[] uniform(int n, double scale) {
        Random random = new Random(3);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextDouble() * scale;
        }
        return v;
    }

    @Test
    void shouldRaiseBothAlarmsWhenTheMixAndTheCertificatesShift() {
        DriftReference reference = DriftReference.fromMetadata(reference(true, true));
        DriftMonitor monitor = new DriftMonitor(Map.of(KEY, reference), DriftThresholds.defaults());
        DriftFigures f = monitor.assess(KEY, 400, new long[] {300, 100}, bins(reference, uniform(400, 0.5)));
        assertThat(f.classMixPValue()).isLessThan(1e-10);
        assertThat(f.classMixPsi()).isGreaterThan(0.1);
        assertThat(f.certificateKs()).isBetween(0.45, 0.55);
        assertThat(f.certificateKsPValue()).isLessThan(1e-10);
        assertThat(f.alarms()).containsExactly("CLASS_MIX", "CERTIFICATE");
    }

    @Test
    void shouldRaiseNoAlarmWhenTheWindowHasFewerImagesThanTheMinimumCount() {
        DriftReference reference = DriftReference.fromMetadata(reference(true, true));
        DriftMonitor monitor = new DriftMonitor(Map.of(KEY, reference), new DriftThresholds(0.001, 0.1, 0.1, 500));
        DriftFigures f = monitor.assess(KEY, 400, new long[] {300, 100}, bins(reference, uniform(400, 0.5)));
        assertThat(f.classMixPValue()).as("figures still published").isLessThan(1e-10);
        assertThat(f.alarms()).isEmpty();
    }

    @Test
    void shouldRaiseNoAlarmWhenTheShiftIsSignificantButSmallerThanTheEffectThreshold() {
        DriftReference reference = DriftReference.fromMetadata(reference(false, true));
        DriftMonitor monitor = new DriftMonitor(Map.of(KEY, reference), DriftThresholds.defaults());
        // 52 % / 48 % over 100,000 images: p ≈ 1e-36 against the priors, but PSI 0.0016; certificates uniform on
        // [0, 0.93] against a grid on [0, 1]: KS 0.07, p ≈ 2e-4 with the 1,000 reference values
        DriftFigures f =
                monitor.assess(KEY, 100_000, new long[] {52_000, 48_000}, bins(reference, uniform(100_000, 0.93)));
        assertThat(f.classMixPValue()).isLessThan(1e-20);
        assertThat(f.classMixPsi()).isLessThan(0.01);
        assertThat(f.certificateKsPValue()).isLessThan(0.001);
        assertThat(f.certificateKs()).isLessThan(0.1);
        assertThat(f.alarms()).isEmpty();
    }

    @Test
    void shouldGiveNullCertificateFiguresWhenTheCheckpointHasNoCertificateSample() {
        DriftReference reference = DriftReference.fromMetadata(reference(false, false));
        assertThat(reference.certificates()).isNull();
        assertThat(reference.predictedClassCounts()).isNull();
        DriftMonitor monitor = new DriftMonitor(Map.of(KEY, reference), DriftThresholds.defaults());
        DriftFigures f = monitor.assess(KEY, 400, new long[] {300, 100}, null);
        // goodness of fit against the priors: (100² + 100²) / 200 = 100
        assertThat(f.classMixChiSquare()).isEqualTo(100.0);
        assertThat(f.certificateKs()).isNull();
        assertThat(f.certificateKsPValue()).isNull();
        assertThat(f.alarms()).containsExactly("CLASS_MIX");
    }

    @Test
    void shouldGiveNoFiguresWhenTheModelVersionHasNoReferenceOrTheWindowNoExplanation() {
        DriftMonitor monitor = new DriftMonitor(
                Map.of(KEY, DriftReference.fromMetadata(reference(true, true))), DriftThresholds.defaults());
        assertThat(monitor.assess("other@2", 400, new long[] {300, 100}, null)).isEqualTo(DriftFigures.NONE);
        assertThat(monitor.assess(KEY, 0, new long[0], null)).isEqualTo(DriftFigures.NONE);
        assertThat(DriftReference.fromMetadata(null)).isEqualTo(DriftReference.NONE);
        assertThat(DriftReference.fromMetadata(JSON.createObjectNode().put("certificateSample", "x"))
                        .certificates())
                .isNull();
    }
}
