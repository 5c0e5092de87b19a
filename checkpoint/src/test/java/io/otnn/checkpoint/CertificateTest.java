package io.otnn.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CertificateTest {

    @Test
    void shouldDivideTheRunnerUpMarginByCTimesLWhenMulticlass() {
        // logits 3.0 (top) and 1.6 (runner-up) of a √2 · 1-Lipschitz model: margin 1.4, radius 1.4 / √2 = 0.98995
        assertThat(Certificate.radius(3.0 - 1.6, Certificate.VECTOR_MAP_FACTOR, 1.0))
                .isCloseTo(0.9899495, within(1e-7));
        // independent heads with L = 0.5: 1.4 / (2 · 0.5)
        assertThat(Certificate.radius(1.4, Certificate.INDEPENDENT_HEADS_FACTOR, 0.5))
                .isCloseTo(1.4, within(1e-12));
        assertThat(Certificate.VECTOR_MAP_FACTOR * Certificate.VECTOR_MAP_FACTOR)
                .isCloseTo(2.0, within(1e-15));
    }

    @Test
    void shouldTakeTheAbsoluteLogitOverLWhenBinary() {
        assertThat(Certificate.binaryRadius(-0.6, 2.0)).isCloseTo(0.3, within(1e-12));
        assertThat(Certificate.binaryRadius(0.6, 2.0)).isCloseTo(0.3, within(1e-12));
        assertThat(Certificate.BINARY_FACTOR).isEqualTo(1.0);
    }
}
