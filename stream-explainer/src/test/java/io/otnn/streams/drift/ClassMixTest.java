package io.otnn.streams.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class ClassMixTest {

    private static final Offset<Double> TIGHT = within(1e-12);

    @Test
    void shouldMatchClosedFormsWhenTheChiSquarePValueHasAnEvenNumberOfDegreesOfFreedom() {
        // Q(k, x/2) for integer k is e^{-x/2} Σ_{i<k} (x/2)^i / i!
        for (double x : new double[] {0.01, 0.5, 1, 2, 5, 10, 30, 80}) {
            double h = x / 2;
            assertThat(ClassMix.chiSquarePValue(x, 2)).as("df 2 at %s", x).isCloseTo(Math.exp(-h), within(1e-13));
            assertThat(ClassMix.chiSquarePValue(x, 4))
                    .as("df 4 at %s", x)
                    .isCloseTo(Math.exp(-h) * (1 + h), within(1e-13));
            assertThat(ClassMix.chiSquarePValue(x, 6))
                    .as("df 6 at %s", x)
                    .isCloseTo(Math.exp(-h) * (1 + h + h * h / 2), within(1e-13));
        }
        assertThat(ClassMix.chiSquarePValue(200, 2) / Math.exp(-100))
                .as("relative, far tail")
                .isCloseTo(1.0, within(1e-10));
    }

    @Test
    void shouldMatchTableValuesWhenTheChiSquarePValueHasAnOddNumberOfDegreesOfFreedom() {
        // critical values of the chi-square distribution (upper-tail probability 0.05, 0.01, 0.001)
        assertThat(ClassMix.chiSquarePValue(3.841459, 1)).isCloseTo(0.05, within(1e-7));
        assertThat(ClassMix.chiSquarePValue(6.634897, 1)).isCloseTo(0.01, within(1e-7));
        assertThat(ClassMix.chiSquarePValue(10.827566, 1)).isCloseTo(0.001, within(1e-8));
        assertThat(ClassMix.chiSquarePValue(7.814728, 3)).isCloseTo(0.05, within(1e-7));
        assertThat(ClassMix.chiSquarePValue(16.918978, 9)).isCloseTo(0.05, within(1e-7));
        assertThat(ClassMix.chiSquarePValue(21.665994, 9)).isCloseTo(0.01, within(1e-7));
        assertThat(ClassMix.chiSquarePValue(27.877165, 9)).isCloseTo(0.001, within(1e-8));
        // df 3 in closed form: erfc(√(x/2)) + √(2x/π) e^{-x/2}; erfc by its continued fraction is not at hand, so
        // check the derivative instead: −dQ/dx is the density x^{1/2} e^{-x/2} / (2^{3/2} Γ(3/2))
        double x = 4.2;
        double step = 1e-5;
        double density = -(ClassMix.chiSquarePValue(x + step, 3) - ClassMix.chiSquarePValue(x - step, 3)) / (2 * step);
        assertThat(density)
                .isCloseTo(Math.sqrt(x) * Math.exp(-x / 2) / (Math.pow(2, 1.5) * Math.sqrt(Math.PI) / 2), within(1e-8));
        assertThat(ClassMix.chiSquarePValue(0, 9)).isEqualTo(1.0);
        assertThat(ClassMix.chiSquarePValue(5, 0)).isEqualTo(1.0);
    }

    @Test
    void shouldEqualTheTwoByTwoFormulaWhenTwoClassesAreTestedForHomogeneity() {
        // χ² of a 2×2 table [[a, b], [c, d]] = N (ad − bc)² / ((a+b)(c+d)(a+c)(b+d))
        long a = 30, b = 70, c = 50, d = 50;
        double n = a + b + c + d;
        double expected = n * Math.pow(a * d - b * c, 2) / ((a + b) * (c + d) * (a + c) * (b + d));
        ClassMix.ChiSquare test = ClassMix.homogeneity(new long[] {a, b}, new long[] {c, d});
        assertThat(test.statistic()).isCloseTo(expected, TIGHT).isCloseTo(8.0 + 1.0 / 3, TIGHT);
        assertThat(test.degreesOfFreedom()).isEqualTo(1);
    }

    @Test
    void shouldLeaveClassesEmptyInBothOutOfTheDegreesOfFreedomWhenTestingHomogeneity() {
        ClassMix.ChiSquare test = ClassMix.homogeneity(new long[] {10, 0, 20, 30}, new long[] {10, 0, 20, 30, 0});
        assertThat(test.statistic()).isCloseTo(0.0, TIGHT);
        assertThat(test.degreesOfFreedom()).isEqualTo(2);
        assertThat(test.pValue()).isCloseTo(1.0, TIGHT);
        // a class the reference never predicted, predicted in the window: finite, and large
        ClassMix.ChiSquare shifted = ClassMix.homogeneity(new long[] {50, 50, 0}, new long[] {25, 25, 50});
        // by hand: column totals 75, 75, 50 of 200; expected reference 37.5, 37.5, 25 and window the same
        double byHand = 2 * (12.5 * 12.5 / 37.5) * 2 + 25.0 * 25 / 25 * 2;
        assertThat(shifted.statistic()).isCloseTo(byHand, TIGHT);
        assertThat(shifted.degreesOfFreedom()).isEqualTo(2);
    }

    @Test
    void shouldMatchAHandComputationWhenTheWindowIsTestedAgainstPriors() {
        ClassMix.ChiSquare test = ClassMix.goodnessOfFit(new double[] {0.25, 0.25, 0.5}, new long[] {30, 20, 50});
        // expected 25, 25, 50: (5² + 5²) / 25 = 2, two degrees of freedom, p = e^{-1}
        assertThat(test.statistic()).isCloseTo(2.0, TIGHT);
        assertThat(test.degreesOfFreedom()).isEqualTo(2);
        assertThat(test.pValue()).isCloseTo(Math.exp(-1), within(1e-13));
    }

    @Test
    void shouldMatchAHandComputationWhenThePsiIsComputed() {
        double psi = ClassMix.psi(new double[] {0.5, 0.3, 0.2}, new long[] {40, 40, 20});
        assertThat(psi)
                .isCloseTo(-0.1 * Math.log(0.4 / 0.5) + 0.1 * Math.log(0.4 / 0.3), TIGHT)
                .isCloseTo(0.0510825624, within(1e-10));
        assertThat(ClassMix.psi(new double[] {0.25, 0.75}, new long[] {25, 75})).isCloseTo(0.0, TIGHT);
    }

    @Test
    void shouldReplaceAnEmptyClassByEpsilonWhenThePsiIsComputed() {
        // the reference never predicted class 2 (share 0 → 1e-4) and the window never predicted class 0 (→ 1e-4)
        double psi = ClassMix.psi(new double[] {0.5, 0.5, 0.0}, new long[] {0, 80, 20});
        double byHand = (1e-4 - 0.5) * Math.log(1e-4 / 0.5)
                + (0.8 - 0.5) * Math.log(0.8 / 0.5)
                + (0.2 - 1e-4) * Math.log(0.2 / 1e-4);
        assertThat(psi).isCloseTo(byHand, TIGHT);
        assertThat(ClassMix.EMPTY_BIN_EPSILON).isEqualTo(1e-4);
    }
}
