package io.otnn.streams.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CertificateGridTest {

    /** sup_x |F_a(x) − F_b(x)|, by evaluating both empirical CDFs at every point of both samples. */
    private static double bruteForceKs(double[] a, double[] b) {
        double d = 0;
        for (double[] points : new double[][] {a, b}) {
            for (double x : points) {
                d = Math.max(d, Math.abs(cdf(a, x) - cdf(b, x)));
            }
        }
        return d;
    }

    private static double cdf(double[] sample, double x) {
        int atOrBelow = 0;
        for (double v : sample) {
            if (v <= x) {
                atOrBelow++;
            }
        }
        return atOrBelow / (double) sample.length;
    }

    private static double[] sample(Random random, int n, double shift, boolean ties) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            double x = Math.abs(random.nextGaussian() * 0.4 + 0.5 + shift);
            v[i] = ties ? Math.round(x * 20) / 20.0 : x;
        }
        return v;
    }

    private static long[] binsOf(CertificateGrid grid, double[] window) {
        CertificateBins bins = new CertificateBins();
        for (double x : window) {
            bins.add(x);
        }
        return bins.settle(grid).counts();
    }

    @Test
    void shouldEqualABruteForceStatisticWhenRandomSamplesAreCompared() {
        Random random = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            boolean ties = trial % 2 == 0;
            double[] reference = sample(random, 1 + random.nextInt(300), 0, ties);
            double[] window = sample(random, 1 + random.nextInt(300), random.nextDouble() * 0.3, ties);
            CertificateGrid grid = CertificateGrid.of(reference);
            assertThat(grid.ksStatistic(binsOf(grid, window)))
                    .as("trial %d (ties %s)", trial, ties)
                    .isCloseTo(bruteForceKs(reference, window), within(1e-12));
        }
    }

    @Test
    void shouldGiveTheKnownStatisticWhenTheSamplesAreSmall() {
        CertificateGrid grid = CertificateGrid.of(new double[] {0.3, 0.1, 0.2, 0.2});
        // F_ref: 0.25 at 0.1, 0.75 at 0.2, 1 at 0.3; window {0.05, 0.25}: F_w 0.5 below 0.1 → D ≥ 0.5 at 0.05
        assertThat(grid.ksStatistic(binsOf(grid, new double[] {0.05, 0.25}))).isCloseTo(0.5, within(1e-15));
        assertThat(grid.ksStatistic(binsOf(grid, new double[] {0.1, 0.2, 0.2, 0.3})))
                .isEqualTo(0.0);
        assertThat(grid.ksStatistic(binsOf(grid, new double[] {5, 6}))).isCloseTo(1.0, within(1e-15));
        assertThat(grid.binCount()).isEqualTo(7);
        assertThat(grid.sampleSize()).isEqualTo(4);
    }

    @Test
    void shouldCountTheSameWhenBinsAreMergedAndSerialisedAsWhenAllAreSettledAtOnce() throws IOException {
        Random random = new Random(5);
        CertificateGrid grid = CertificateGrid.of(sample(random, 500, 0, false));
        double[] all = sample(random, 1000, 0.1, false);
        CertificateBins window = new CertificateBins();
        for (int start = 0; start < all.length; start += 64) {
            CertificateBins partial = new CertificateBins();
            for (int i = start; i < Math.min(all.length, start + 64); i++) {
                partial.add(all[i]);
            }
            window = roundTrip(roundTrip(window).merge(roundTrip(partial)).settle(grid));
        }
        assertThat(window.counts()).containsExactly(binsOf(grid, all));
        assertThat(window.settledCount()).isEqualTo(1000);
        assertThat(Arrays.stream(window.counts()).filter(c -> c > 0).count()).isLessThanOrEqualTo(501);
    }

    @Test
    void shouldDropPendingCertificatesWhenThereIsNoGrid() {
        CertificateBins bins = new CertificateBins();
        bins.add(0.3);
        assertThat(bins.settle(null).counts()).isNull();
        assertThat(bins.settledCount()).isZero();
    }

    @Test
    void shouldRefuseASampleWhenItIsEmptyOrNotFinite() {
        assertThatThrownBy(() -> CertificateGrid.of(new double[0])).hasMessageContaining("empty");
        assertThatThrownBy(() -> CertificateGrid.of(new double[] {0.1, Double.NaN}))
                .hasMessageContaining("NaN");
    }

    private static CertificateBins roundTrip(CertificateBins bins) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            bins.write(out);
        }
        return CertificateBins.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    }
}
