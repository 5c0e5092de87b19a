package io.otnn.streams.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.streams.drift.CertificateGrid;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsAccumulatorTest {

    private static final List<Double> EPSILONS = List.of(0.5);

    private static MetricsAccumulator withCertificates(double... certificates) {
        MetricsAccumulator acc = new MetricsAccumulator(EPSILONS.size());
        for (double c : certificates) {
            acc.add(new MetricsSample("m", 1, null, 0, -1, c, 0, 0, 1, 1), EPSILONS);
        }
        return acc;
    }

    @Test
    void shouldKeepTheDriftBinsWhenAWindowIsSerialisedAndRead() {
        MetricsAccumulator window = withCertificates(0.1, 0.4).merge(withCertificates(0.7));
        window.driftCertificates().settle(CertificateGrid.of(new double[] {0.2, 0.5}));
        byte[] bytes = MetricsAccumulator.serde().serializer().serialize("t", window);
        MetricsAccumulator read = MetricsAccumulator.serde().deserializer().deserialize("t", bytes);
        // bins: below 0.2, at 0.2, between, at 0.5, above 0.5
        assertThat(read.driftCertificates().counts()).containsExactly(1, 0, 1, 0, 1);
        assertThat(read.explanations()).isEqualTo(3);
    }

    @Test
    void shouldReadAWindowOfTheFirstLayoutWhenItWasWrittenBeforeTheDriftBins() {
        MetricsAccumulator window = withCertificates(0.1, 0.4);
        byte[] current = MetricsAccumulator.serde().serializer().serialize("t", window);
        // the first layout is the current one without the drift tail: pending count, 2 doubles, no bins (-1)
        byte[] first = Arrays.copyOf(current, current.length - (4 + 2 * 8 + 4));
        first[0] = 1;
        MetricsAccumulator read = MetricsAccumulator.serde().deserializer().deserialize("t", first);
        assertThat(read.explanations()).isEqualTo(2);
        assertThat(read.driftCertificates().counts()).isNull();
        assertThat(read.driftCertificates().settledCount()).isZero();
    }
}
