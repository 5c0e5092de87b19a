package io.otnn.streams.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class KolmogorovSmirnovTest {

    /** The Kolmogorov distribution's upper tail Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}, summed here independently. */
    private static double kolmogorovTail(double lambda) {
        double sum = 0;
        for (int k = 1; k <= 100; k++) {
            sum += (k % 2 == 1 ? 1 : -1) * Math.exp(-2.0 * k * k * lambda * lambda);
        }
        return 2 * sum;
    }

    private static double dAt(double lambda, long n, long m) {
        return lambda / Math.sqrt(n * (double) m / (n + m));
    }

    @Test
    void shouldMatchTheKolmogorovTableWhenTheSamplesAreLarge() {
        // critical values of the Kolmogorov distribution: P(K > 1.2238) = 0.10, 1.3581 → 0.05, 1.6276 → 0.01, 1.9495 →
        // 0.001
        assertThat(KolmogorovSmirnov.pValue(dAt(1.2238, 1000, 1000), 1000, 1000))
                .isCloseTo(0.10, within(1e-4));
        assertThat(KolmogorovSmirnov.pValue(dAt(1.3581, 1000, 500), 1000, 500)).isCloseTo(0.05, within(1e-4));
        assertThat(KolmogorovSmirnov.pValue(dAt(1.6276, 500, 3000), 500, 3000)).isCloseTo(0.01, within(1e-5));
        assertThat(KolmogorovSmirnov.pValue(dAt(1.9495, 1000, 200), 1000, 200)).isCloseTo(0.001, within(1e-5));
    }

    @Test
    void shouldEqualTheKolmogorovSeriesWhenComputedAtAnyStatistic() {
        for (double lambda = 0.3; lambda <= 3.0; lambda += 0.1) {
            assertThat(KolmogorovSmirnov.pValue(dAt(lambda, 800, 300), 800, 300))
                    .as("λ = %s", lambda)
                    .isCloseTo(kolmogorovTail(lambda), within(1e-9));
        }
        assertThat(KolmogorovSmirnov.pValue(0, 10, 10)).isEqualTo(1.0);
        assertThat(KolmogorovSmirnov.pValue(1, 1000, 1000)).isLessThan(1e-100);
    }

    @Test
    void shouldNotBeSmallerThanTheExactPValueWhenTheSamplesAreSmallAndTheStatisticIsInTheTail() {
        // exact two-sample P(D ≥ d) for n = m = 10 by counting lattice paths (independent of commons-math3)
        int n = 10;
        for (int k = 6; k <= 10; k++) {
            double exact = exactTail(n, k);
            assertThat(KolmogorovSmirnov.pValue(k / 10.0, n, n))
                    .as("D = %d/10, exact %s", k, exact)
                    .isGreaterThanOrEqualTo(exact);
        }
        assertThat(exactTail(10, 10)).isCloseTo(2.0 / 184756, within(1e-15)); // only the two extreme orderings
    }

    /**
     * P(D_{n,n} ≥ k/n): the share of the C(2n, n) orderings of two samples of n whose walk (+1 for the first sample,
     * −1 for the second) reaches |height| ≥ k.
     */
    private static double exactTail(int n, int k) {
        // paths that stay strictly within (−k, k), counted by dynamic programming over (a, b) taken so far
        double[][] inside = new double[n + 1][n + 1];
        inside[0][0] = 1;
        for (int a = 0; a <= n; a++) {
            for (int b = 0; b <= n; b++) {
                if ((a > 0 || b > 0) && Math.abs(a - b) < k) {
                    inside[a][b] = (a > 0 ? inside[a - 1][b] : 0) + (b > 0 ? inside[a][b - 1] : 0);
                }
            }
        }
        double total = 1;
        for (int i = 1; i <= n; i++) {
            total = total * (n + i) / i;
        }
        return 1 - inside[n][n] / total;
    }
}
