package io.otnn.streams.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.EpsilonFraction;
import io.otnn.avro.ErrorKind;
import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationComparison;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.avro.QuantileValue;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.Explanations;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every output written by either wire format reads back whole: no field of the model is lost on the way through
 * the Avro contract (real registry) or the JSON debugging format.
 */
class RecordFormatRoundTripTest {

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withoutEngine();

    private List<RecordFormat> formats() {
        return List.of(pipeline.format(), new JsonRecordFormat());
    }

    private static <T> T roundTrip(Serde<T> serde, String topic, T value) {
        byte[] bytes = serde.serializer().serialize(topic, value);
        return serde.deserializer().deserialize(topic, bytes);
    }

    static DeadLetter fullyPopulatedDeadLetter() {
        return DeadLetter.newBuilder()
                .setKey(ByteBuffer.wrap(new byte[] {1, 2}))
                .setValue(ByteBuffer.wrap(new byte[] {3, (byte) 0xf4, 5}))
                .setSourceTopic("otnn.images")
                .setPartition(2)
                .setOffset(41)
                .setErrorKind(ErrorKind.INVALID_SHAPE)
                .setMessage("the image has 3 channel(s), the model takes 1")
                .setTime(Instant.ofEpochMilli(1_700_000_000_002L))
                .setApplication("explainer@host-1")
                .setRejectionKind("WRONG_CHANNELS")
                .setSourceTimestamp(1_700_000_000_001L)
                .setModelName("model-a")
                .setModelVersion(12)
                .build();
    }

    static ExplanationMetrics fullyPopulatedMetrics() {
        return ExplanationMetrics.newBuilder()
                .setWindowStart(Instant.ofEpochMilli(1_700_000_000_000L))
                .setWindowEnd(Instant.ofEpochMilli(1_700_000_060_000L))
                .setModelName("model-a")
                .setModelVersion(12)
                .setExplainedCount(40)
                .setDeadLetteredCount(3)
                .setLabelledCount(30)
                .setAccuracy(0.9)
                .setCertificateMean(0.25)
                .setCertificateQuantiles(List.of(new QuantileValue(0.5, 0.2), new QuantileValue(0.99, 0.5)))
                .setCertifiedFractions(List.of(new EpsilonFraction(0.1, 0.75)))
                .setClassHistogram(List.of(10L, 20L, 10L))
                .setCounterfactualDistanceMean(0.6)
                .setBoundaryResidualMean(0.01)
                .setLatencyQuantilesMs(List.of(new QuantileValue(0.5, 12.0), new QuantileValue(0.99, 80.0)))
                .setBatchSizeMean(7.5)
                .setDeadLetteredByKind(Map.of("UNDESERIALISABLE", 2L, "WRONG_SHAPE", 1L))
                .build();
    }

    @Test
    void shouldReadBackEveryFieldOfAnExplanationWhenWrittenInEitherFormat() {
        Explanation explanation = Explanations.fullyPopulated();
        for (RecordFormat format : formats()) {
            assertThat(roundTrip(format.explanationSerde(), "explanations", explanation))
                    .as(format.getClass().getSimpleName())
                    .usingRecursiveComparison()
                    .isEqualTo(explanation);
        }
    }

    @Test
    void shouldReadBackEveryFieldOfADeadLetterWhenWrittenInEitherFormat() {
        DeadLetter deadLetter = fullyPopulatedDeadLetter();
        for (RecordFormat format : formats()) {
            assertThat(roundTrip(format.deadLetterSerde(), "dead-letters", deadLetter))
                    .as(format.getClass().getSimpleName())
                    .usingRecursiveComparison()
                    .isEqualTo(deadLetter);
        }
    }

    @Test
    void shouldReadBackEveryFieldOfAMetricsWindowWhenWrittenInEitherFormat() {
        ExplanationMetrics metrics = fullyPopulatedMetrics();
        for (RecordFormat format : formats()) {
            assertThat(roundTrip(format.metricsSerde(), "metrics", metrics))
                    .as(format.getClass().getSimpleName())
                    .usingRecursiveComparison()
                    .isEqualTo(metrics);
        }
    }

    @Test
    void shouldReadBackEveryFieldOfAComparisonWindowWhenWrittenInEitherFormat() {
        ExplanationComparison comparison = ExplanationComparison.newBuilder()
                .setWindowStart(Instant.ofEpochMilli(1_700_000_000_000L))
                .setWindowEnd(Instant.ofEpochMilli(1_700_000_010_000L))
                .setPrimaryModelName("model-a")
                .setPrimaryModelVersion(12)
                .setShadowModelName("model-b")
                .setShadowModelVersion(3)
                .setComparedCount(40)
                .setClassAgreement(0.875)
                .setCertificateDifferenceMean(-0.03)
                .setCertificateDifferenceQuantiles(List.of(new QuantileValue(0.05, -0.2), new QuantileValue(0.95, 0.1)))
                .setSaliencySpearmanMean(0.62)
                .setSaliencySpearmanQuantiles(List.of(new QuantileValue(0.5, 0.64)))
                .setSameTargetFraction(0.5)
                .setLabelledCount(30)
                .setPrimaryAccuracy(0.8)
                .setShadowAccuracy(0.9)
                .build();
        for (RecordFormat format : formats()) {
            assertThat(roundTrip(format.comparisonSerde(), "comparisons", comparison))
                    .as(format.getClass().getSimpleName())
                    .usingRecursiveComparison()
                    .isEqualTo(comparison);
        }
    }
}
