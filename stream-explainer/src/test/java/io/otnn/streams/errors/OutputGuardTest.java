package io.otnn.streams.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.EncodedTensor;
import io.otnn.avro.Explanation;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.Topics;
import io.otnn.streams.format.JsonRecordFormat;
import io.otnn.streams.testing.Explanations;
import io.otnn.streams.time.EventTimePolicy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.junit.jupiter.api.Test;

class OutputGuardTest {

    private final Topics topics = Topics.defaults(new JsonRecordFormat());

    private static Explanation explanation(String id) {
        EncodedTensor tensor = Explanations.tensor(28, 28, 1, 1, 0, new byte[100]);
        Explanation e = Explanations.of(id, "m", "three", "five", null, tensor, tensor);
        e.setInput(tensor);
        return e;
    }

    private int jsonSize(Explanation e) {
        return topics.explanations().valueSerde().serializer().serialize("t", e).length;
    }

    @Test
    void shouldBoundTheSerializedSizeFromAboveWhenTheRecordHoldsLongTextOrLargeMaps() {
        java.util.Random random = new java.util.Random(3);
        byte[] big = new byte[200_000];
        random.nextBytes(big);
        EncodedTensor large = Explanations.tensor(224, 224, 3, 1, 0, big);
        Explanation withLargeInput = Explanations.of("big", "m\u00e9", "three", "f\"ive", 7, large, large);
        byte[] otherBig = new byte[200_000];
        random.nextBytes(otherBig);
        withLargeInput.setInput(Explanations.tensor(224, 224, 3, 1, 0, otherBig));
        // control bytes are the worst case of the JSON format (a six-character escape each), in all three maps
        byte[] control = new byte[50_000];
        java.util.Arrays.fill(control, (byte) 1);
        EncodedTensor escaped = Explanations.tensor(224, 224, 3, 1, 0, control);
        Explanation worst = Explanations.of("worst", "m", "three", "five", 7, escaped, escaped);
        worst.setInput(escaped);
        List<Explanation> records =
                List.of(explanation("plain"), explanation("\u00e9\u4e2d\"\\\n".repeat(500)), withLargeInput, worst);
        for (Explanation e : records) {
            assertThat(e.getInput())
                    .as("the explanation carries its input image")
                    .isNotNull();
            assertThat(OutputGuard.sizeBound(e)).as(e.getImageId()).isGreaterThanOrEqualTo(jsonSize(e));
        }
        // the input's bytes are counted: without them the bound would be below the worst record's real size
        assertThat(jsonSize(worst)).isGreaterThan(4096 + 6 * 2 * 50_000);
        // a 28x28 explanation stays far below the default limit: the guard does not serialize it
        assertThat(OutputGuard.sizeBound(explanation("plain")))
                .isLessThan(ExplainerConfig.DEFAULT_OUTPUT_MAX_BYTES / 10);
    }

    @Test
    void shouldRegisterTheHandlerAndItselfWhenPutIntoTheStreamsProperties() {
        OutputGuard guard = new OutputGuard(EventTimePolicy.defaults(), 1 << 20, topics);
        Properties props = new Properties();
        guard.register(props);
        assertThat(props)
                .containsEntry(OutputGuard.CONFIG, guard)
                .containsEntry(
                        StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                        DeadLetteringProductionHandler.class.getName());
        assertThat(OutputGuard.from(new HashMap<>(Map.of(OutputGuard.CONFIG, guard))))
                .isSameAs(guard);
    }

    @Test
    void shouldRefuseAnExplanationLargerThanTheLimitLessTheOverheadWhenMaxRequestSizeIsSmall() {
        Explanation small = explanation("small");
        Explanation large = explanation("large-" + "x".repeat(3_000));
        OutputGuard guard =
                new OutputGuard(EventTimePolicy.defaults(), ExplainerConfig.DEFAULT_OUTPUT_MAX_BYTES, topics);
        Properties props = new Properties();
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "4096");
        guard.register(props);
        assertThat(jsonSize(small)).isLessThanOrEqualTo(4096 - OutputGuard.RECORD_OVERHEAD_BYTES);
        assertThat(jsonSize(large)).isGreaterThan(4096 - OutputGuard.RECORD_OVERHEAD_BYTES);
        assertThat(guard.refusal("images", 0, 1, small)).isEmpty();
        assertThat(guard.refusal("images", 0, 2, large))
                .hasValueSatisfying(reason -> assertThat(reason)
                        .contains(
                                jsonSize(large) + " bytes",
                                "3072",
                                topics.explanations().name()));
    }

    @Test
    void shouldDeadLetterTheSourceOnceWhenTheBrokerRefusedItsOwnRecord() {
        OutputGuard guard = new OutputGuard(EventTimePolicy.defaults(), 1 << 20, topics);
        DeadLetteringProductionHandler handler = handler(guard, StreamsConfig.EXACTLY_ONCE_V2);
        ProductionExceptionHandler.Response response = handler.handleError(
                null,
                output("images", 2, 7),
                new InvalidTimestampException("Timestamp 99 of message with offset 0 is out of range"));
        assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
        assertThat(guard.refusals()).isEqualTo(1);
        assertThat(guard.refusal("images", 2, 7, explanation("a")))
                .hasValueSatisfying(reason -> assertThat(reason).contains("InvalidTimestampException", "out of range"));
        assertThat(guard.refusal("images", 2, 7, explanation("a")))
                .as("still, if its dead letter was aborted too")
                .isPresent();
        assertThat(guard.refusal("images", 2, 8, explanation("a"))).isEmpty();

        handler.handleError(null, output("images", 1, 3), new RecordTooLargeException("too large"));
        assertThat(guard.refusal("images", 1, 3, explanation("b"))).isPresent();
    }

    @Test
    void shouldTellTheProcessorWhenTheBrokerRefusedADeadLetter() {
        OutputGuard guard = new OutputGuard(EventTimePolicy.defaults(), 1 << 20, topics);
        handler(guard, StreamsConfig.EXACTLY_ONCE_V2)
                .handleError(null, output("images", 4, 9), new RecordTooLargeException("The message is 2000000 bytes"));
        assertThat(guard.refusedBefore("images", 4, 8)).isEmpty();
        assertThat(guard.refusedBefore("images", 4, 9))
                .hasValueSatisfying(reason -> assertThat(reason).contains("RecordTooLargeException", "2000000"));
        assertThat(guard.refusedBefore("images", 4, 9)).isPresent();
    }

    @Test
    void shouldResumeWithoutRememberingWhenARecordFailedOnlyForItsBatchUnderExactlyOnce() {
        OutputGuard guard = new OutputGuard(EventTimePolicy.defaults(), 1 << 20, topics);
        KafkaException batch = new KafkaException(
                "Failed to append record because it was part of a batch which had one more more invalid records");
        assertThat(handler(guard, StreamsConfig.EXACTLY_ONCE_V2)
                        .handleError(null, output("images", 0, 1), batch)
                        .result())
                .isEqualTo(ProductionExceptionHandler.Result.RESUME);
        assertThat(handler(guard, StreamsConfig.AT_LEAST_ONCE)
                        .handleError(null, output("images", 0, 1), batch)
                        .result())
                .as("a resumed record would be lost")
                .isEqualTo(ProductionExceptionHandler.Result.FAIL);
        assertThat(handler(guard, StreamsConfig.EXACTLY_ONCE_V2)
                        .handleError(null, output("images", 0, 1), new TimeoutException("expired"))
                        .result())
                .isEqualTo(ProductionExceptionHandler.Result.FAIL);
        assertThat(guard.refusals()).isZero();
    }

    @Test
    void shouldDropTheShadowExplanationAndNeverDeadLetterTheImageWhenTheBrokerRefusedTheShadowsRecord() {
        OutputGuard guard = new OutputGuard(EventTimePolicy.defaults(), 1 << 20, topics);
        RecordHeaders headers = new RecordHeaders(
                OutputGuard.shadowSourceHeaders("images", 3, 5).toArray());
        ProducerRecord<byte[], byte[]> shadowRecord = new ProducerRecord<>(
                "otnn.explanations.shadow", null, 1L, "id".getBytes(StandardCharsets.UTF_8), new byte[10], headers);

        ProductionExceptionHandler.Response response = handler(guard, StreamsConfig.EXACTLY_ONCE_V2)
                .handleError(null, shadowRecord, new RecordTooLargeException("The message is 2000000 bytes"));

        assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
        assertThat(guard.shadowRefusal("images", 3, 5, explanation("a")))
                .hasValueSatisfying(reason -> assertThat(reason).contains("shadow", "RecordTooLargeException"));
        // the image itself is not refused: its primary explanation goes out, no dead letter
        assertThat(guard.refusal("images", 3, 5, explanation("a"))).isEmpty();
        assertThat(guard.refusedBefore("images", 3, 5)).isEmpty();
        assertThat(guard.refusals()).isZero();
        assertThat(guard.shadowRefusal("images", 3, 6, explanation("a"))).isEmpty();
    }

    @Test
    void shouldRefuseAShadowExplanationLargerThanTheLimitWhenMaxRequestSizeIsSmall() {
        Explanation small = explanation("small");
        Explanation large = explanation("large-" + "x".repeat(3_000));
        OutputGuard guard =
                new OutputGuard(EventTimePolicy.defaults(), ExplainerConfig.DEFAULT_OUTPUT_MAX_BYTES, topics);
        Properties props = new Properties();
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "4096");
        guard.register(props);

        assertThat(guard.shadowRefusal("images", 0, 1, small)).isEmpty();
        assertThat(guard.shadowRefusal("images", 0, 2, large))
                .hasValueSatisfying(reason -> assertThat(reason).contains(jsonSize(large) + " bytes", "3072"));
    }

    private static DeadLetteringProductionHandler handler(OutputGuard guard, String guarantee) {
        DeadLetteringProductionHandler handler = new DeadLetteringProductionHandler();
        handler.configure(Map.of(OutputGuard.CONFIG, guard, StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee));
        return handler;
    }

    private static ProducerRecord<byte[], byte[]> output(String topic, int partition, long offset) {
        RecordHeaders headers = new RecordHeaders(
                OutputGuard.sourceHeaders(topic, partition, offset).toArray());
        return new ProducerRecord<>(
                "otnn.explanations", null, 1L, "id".getBytes(StandardCharsets.UTF_8), new byte[10], headers);
    }
}
