package io.otnn.streams.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SpearmanTest {

    @Test
    void shouldGiveTiedValuesTheMeanOfTheRanksTheySpanWhenAMapHasTies() {
        // sorted: 0.1 (rank 1), 0.5 0.5 0.5 (ranks 2,3,4 → 3), 0.7 (5), 0.9 0.9 (6,7 → 6.5)
        float[] values = {0.5f, 0.9f, 0.1f, 0.5f, 0.7f, 0.9f, 0.5f};

        assertThat(Spearman.ranks(values)).containsExactly(3.0, 6.5, 1.0, 3.0, 5.0, 6.5, 3.0);
    }

    @Test
    void shouldOrderNegativeValuesAndBothZerosNumericallyWhenRanking() {
        // sorted: -2 (1), -0.5 -0.5 (2,3 → 2.5), -0 +0 (4,5 → 4.5), 3 (6)
        float[] values = {-0.5f, 0.0f, -0.0f, -2f, 3f, -0.5f};

        assertThat(Spearman.ranks(values)).containsExactly(2.5, 4.5, 4.5, 1.0, 6.0, 2.5);
    }

    @Test
    void shouldMatchTheClosedFormWhenTheMapsHaveNoTies() {
        Random random = new Random(5);
        float[] a = new float[200];
        float[] b = new float[200];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextFloat();
            b[i] = a[i] + 0.5f * random.nextFloat();
        }
        // the textbook formula for ranks without ties, ranks by counting
        double sumD2 = 0;
        for (int i = 0; i < a.length; i++) {
            double d = countRank(a, i) - countRank(b, i);
            sumD2 += d * d;
        }
        int n = a.length;
        double expected = 1 - 6 * sumD2 / (n * ((double) n * n - 1));

        assertThat(Spearman.rho(a, b).orElseThrow()).isCloseTo(expected, within(1e-12));
    }

    @Test
    void shouldBeOneForAMonotoneTransformAndMinusOneForAReversalWhenTheMapsAreRankedAlike() {
        float[] a = {0.2f, 0.1f, 0.8f, 0.4f, 0.4f, 0.05f};
        float[] squared = new float[a.length];
        float[] negated = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            squared[i] = a[i] * a[i];
            negated[i] = -a[i];
        }

        assertThat(Spearman.rho(a, squared).orElseThrow()).isCloseTo(1.0, within(1e-12));
        assertThat(Spearman.rho(a, negated).orElseThrow()).isCloseTo(-1.0, within(1e-12));
    }

    @Test
    void shouldUsePearsonOnAverageRanksWhenBothMapsHaveTies() {
        float[] a = {1, 1, 2, 3};
        float[] b = {1, 2, 2, 4};
        // ranks a = 1.5 1.5 3 4, b = 1 2.5 2.5 4; means 2.5; deviations a = -1 -1 .5 1.5, b = -1.5 0 0 1.5
        double sab = 1.5 + 0 + 0 + 2.25;
        double saa = 1 + 1 + 0.25 + 2.25;
        double sbb = 2.25 + 0 + 0 + 2.25;

        assertThat(Spearman.rho(a, b).orElseThrow()).isCloseTo(sab / Math.sqrt(saa * sbb), within(1e-12));
    }

    @Test
    void shouldGiveNoValueWhenEitherMapIsConstant() {
        float[] constant = {0.3f, 0.3f, 0.3f, 0.3f};
        float[] varied = {0.1f, 0.2f, 0.3f, 0.4f};

        assertThat(Spearman.rho(constant, varied)).isEmpty();
        assertThat(Spearman.rho(varied, constant)).isEmpty();
        assertThat(Spearman.rho(new float[784], new float[784])).isEmpty();
    }

    /** 1 + the number of smaller values (a rank when there are no ties). */
    private static double countRank(float[] values, int i) {
        int smaller = 0;
        for (float v : values) {
            if (v < values[i]) {
                smaller++;
            }
        }
        return smaller + 1;
    }
}
