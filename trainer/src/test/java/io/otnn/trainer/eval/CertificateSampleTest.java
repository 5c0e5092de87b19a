package io.otnn.trainer.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CertificateSampleTest {

    private static double[] values(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (i * 7919 % n) / (double) n; // a permutation of i/n
        return v;
    }

    @Test
    void shouldKeepEveryValueSortedWhenThereAreFewerThanTheMaximum() {
        double[] v = values(300);
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        assertThat(CertificateSample.draw(v)).containsExactly(sorted);
    }

    @Test
    void shouldDrawTheSameDistinctSortedSampleWhenDrawnTwiceWithOneSeed() {
        double[] v = values(10_000);
        double[] a = CertificateSample.draw(v);
        assertThat(a).hasSize(CertificateSample.MAX_SIZE).isSorted().containsExactly(CertificateSample.draw(v));
        Set<Double> distinct = new HashSet<>();
        for (double x : a) distinct.add(x);
        assertThat(distinct).as("without replacement").hasSize(a.length);
        assertThat(CertificateSample.draw(v, 1000, 1)).isNotEqualTo(a);
    }

    @Test
    void shouldSpreadOverTheWholeRangeWhenDrawnFromAUniformGrid() {
        // a uniform random sample of i/n: each decile holds about 100 of the 1,000 (binomial sd ≈ 9.5)
        double[] a = CertificateSample.draw(values(10_000));
        int[] deciles = new int[10];
        for (double x : a) deciles[(int) (x * 10)]++;
        for (int d : deciles) assertThat(d).isBetween(60, 140);
    }
}
