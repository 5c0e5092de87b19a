package io.otnn.streams.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.avro.ExplanationMetrics;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/** The fidelity figures of a window: merged from the partials, kept by the window store, published as means. */
class MetricsAccumulatorFidelityTest {

    private static final List<Double> EPSILONS = List.of(0.5);
    private static final Serde<MetricsAccumulator> SERDE = MetricsAccumulator.serde();

    private static MetricsAccumulator partial(double... muAndDeletion) {
        MetricsAccumulator acc = new MetricsAccumulator(1);
        for (int i = 0; i < muAndDeletion.length; i += 2) {
            acc.add(new MetricsSample("m", 1, null, 2, -1, 0.7, 1.0, 0.0, 30, 8), EPSILONS);
            acc.addFidelity(muAndDeletion[i], muAndDeletion[i + 1]);
        }
        // an explained image outside the sample
        acc.add(new MetricsSample("m", 1, null, 1, -1, 0.4, 1.0, 0.0, 30, 8), EPSILONS);
        return acc;
    }

    @Test
    void shouldPublishTheMeansOverEverySampledImageWhenPartialsAreMergedAndStored() {
        MetricsAccumulator window = partial(0.5, 2.0, 0.1, 1.0).merge(partial(-0.3, 4.0));
        MetricsAccumulator stored =
                SERDE.deserializer().deserialize("t", SERDE.serializer().serialize("t", window));

        ExplanationMetrics record = stored.toRecord(0, 10, EPSILONS);
        assertThat(record.getExplainedCount()).isEqualTo(5);
        assertThat(record.getFidelitySampleCount()).isEqualTo(3);
        assertThat(record.getMuFidelity()).isCloseTo((0.5 + 0.1 - 0.3) / 3, within(1e-12));
        assertThat(record.getDeletionAuc()).isCloseTo((2.0 + 1.0 + 4.0) / 3, within(1e-12));
    }

    @Test
    void shouldReadAWindowStoredBeforeTheFidelityFiguresWhenTheStoreIsUpgraded() {
        MetricsAccumulator before = new MetricsAccumulator(1);
        before.add(new MetricsSample("m", 1, null, 2, 2, 0.7, 1.0, 0.0, 30, 8), EPSILONS);
        byte[] current = SERDE.serializer().serialize("t", before);
        // version 1 is the same layout without the three trailing fidelity figures (a count and two sums)
        byte[] version1 = Arrays.copyOf(current, current.length - 24);
        version1[0] = 1;

        ExplanationMetrics record =
                SERDE.deserializer().deserialize("t", version1).toRecord(0, 10, EPSILONS);
        assertThat(record.getExplainedCount()).isEqualTo(1);
        assertThat(record.getAccuracy()).isEqualTo(1.0);
        assertThat(record.getFidelitySampleCount()).isZero();
        assertThat(record.getMuFidelity()).isNull();
        assertThat(record.getDeletionAuc()).isNull();
    }
}
