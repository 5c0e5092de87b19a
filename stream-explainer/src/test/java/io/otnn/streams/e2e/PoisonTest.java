package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.explain.input.RejectionKind;
import io.otnn.local.LocalStack;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.Topics;
import io.otnn.streams.explaining.OtnnEngine;
import io.otnn.streams.format.AvroRecordFormat;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.testing.Buffers;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.FaultInjectingEngine;
import io.otnn.streams.testing.Images;
import io.otnn.streams.testing.KafkaTestClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Poison records on the real broker, registry and engine: every bad record lands in the dead-letter topic with its
 * reason and original bytes, every good one is explained, and the application keeps running. The window's final
 * metrics record then counts them all. Run with each {@code batching.buffer}.
 */
class PoisonTest {

    private static final float POISON_PIXEL = 128 / 255f;

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withEngine();

    private static LocalStack stack;
    private static SchemaRegistryClient registry;
    private static AvroRecordFormat format;
    private static OtnnEngine engine;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void sharePipelineParts() {
        stack = pipeline.stack();
        registry = pipeline.registry();
        format = pipeline.format();
        engine = pipeline.engine();
    }

    private record Bad(byte[] key, byte[] value, RejectionKind kind) {}

    @ParameterizedTest(name = "batching.buffer={0}")
    @ValueSource(strings = {"in-memory", "changelogged"})
    void shouldDeadLetterEveryBadRecordWithItsReasonAndExplainEveryGoodOneWhenTheyAreInterleaved(String buffer)
            throws Exception {
        Map<String, Object> props = pipeline.explainerProps("poison-" + buffer, "poison-" + buffer + ".", stateDir);
        props.put(ExplainerConfig.BATCHING_BUFFER_CONFIG, buffer);
        props.put(ExplainerConfig.IMAGE_MAX_BYTES_CONFIG, 4_000);
        FaultInjectingEngine faulty = new FaultInjectingEngine(engine, pixels -> {
            for (float p : pixels) {
                if (p != POISON_PIXEL) {
                    return false;
                }
            }
            return true;
        });

        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(faulty)
                .build()
                .start()) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            Topics topics = app.topics();
            String topic = topics.images().name();
            long t = System.currentTimeMillis();
            byte[] good = Images.randomU8(784, 1);
            byte[] validAvro = format.writeImage(topic, new ImageInput("x", "RAW_U8", 28, 28, 1, good, null, t));
            float[] nan = new float[784];
            nan[100] = Float.NaN;
            byte[] poison = new byte[784];
            Arrays.fill(poison, (byte) 128);

            Map<String, Bad> bad = new LinkedHashMap<>();
            bad.put("garbage", new Bad(key("garbage"), "not avro at all".getBytes(), RejectionKind.UNDESERIALISABLE));
            bad.put(
                    "truncated",
                    new Bad(key("truncated"), Arrays.copyOf(validAvro, 12), RejectionKind.UNDESERIALISABLE));
            byte[] unknownSchema = validAvro.clone();
            unknownSchema[1] = 0x7f; // schema id 0x7fxxxxxx: not in the registry
            bad.put("unknown-schema", new Bad(key("unknown-schema"), unknownSchema, RejectionKind.UNKNOWN_SCHEMA));
            bad.put("empty", new Bad(key("empty"), new byte[0], RejectionKind.EMPTY_VALUE));
            bad.put("tombstone", new Bad(key("tombstone"), null, RejectionKind.EMPTY_VALUE));
            bad.put(
                    "keyless",
                    new Bad(null, image("keyless", "RAW_U8", 28, 28, 1, good, t), RejectionKind.MISSING_KEY));
            bad.put(
                    "wide",
                    new Bad(
                            key("wide"),
                            image("wide", "RAW_U8", 29, 28, 1, new byte[812], t),
                            RejectionKind.WRONG_SHAPE));
            bad.put(
                    "rgb",
                    new Bad(
                            key("rgb"),
                            image("rgb", "RAW_U8", 28, 28, 3, new byte[2352], t),
                            RejectionKind.WRONG_CHANNELS));
            bad.put(
                    "broken-png",
                    new Bad(
                            key("broken-png"),
                            image("broken-png", "PNG", 28, 28, 1, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0}, t),
                            RejectionKind.UNDECODABLE));
            bad.put(
                    "oversize",
                    new Bad(
                            key("oversize"),
                            image("oversize", "PNG", 28, 28, 1, Images.randomU8(5_000, 3), t),
                            RejectionKind.OVERSIZE));
            bad.put(
                    "nan",
                    new Bad(
                            key("nan"),
                            image("nan", "RAW_F32", 28, 28, 1, Images.f32(nan), t),
                            RejectionKind.NON_FINITE));
            bad.put(
                    "model-error",
                    new Bad(
                            key("model-error"),
                            image("model-error", "RAW_U8", 28, 28, 1, poison, t),
                            RejectionKind.MODEL_ERROR));

            Set<String> goodIds = new TreeSet<>();
            Random random = new Random(99);
            try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(stack.bootstrapServers())) {
                KafkaTestClients.awaitLeaders(stack.bootstrapServers(), topic, 6);
                List<Future<RecordMetadata>> sends = new ArrayList<>();
                int i = 0;
                for (Bad b : bad.values()) {
                    for (int g = 0; g < 20; g++) {
                        String id = "good-" + i++;
                        goodIds.add(id);
                        sends.add(KafkaTestClients.send(
                                producer,
                                topic,
                                key(id),
                                image(id, "RAW_U8", 28, 28, 1, Images.randomU8(784, random.nextLong()), t),
                                t));
                    }
                    sends.add(KafkaTestClients.send(producer, topic, b.key(), b.value(), t));
                }
                producer.flush();
                KafkaTestClients.awaitAll(sends);
            }

            List<ConsumerRecord<String, DeadLetter>> dead = KafkaTestClients.readCommitted(
                    stack.bootstrapServers(),
                    topics.deadLetters(),
                    read -> read.size() >= bad.size(),
                    Duration.ofSeconds(300),
                    Duration.ofSeconds(1));
            List<ConsumerRecord<String, Explanation>> explained = KafkaTestClients.readCommitted(
                    stack.bootstrapServers(),
                    topics.explanations(),
                    read -> read.size() >= goodIds.size(),
                    Duration.ofSeconds(300),
                    Duration.ofSeconds(1));

            Map<String, DeadLetter> deadByKey =
                    dead.stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
            assertThat(deadByKey).containsOnlyKeys(bad.keySet());
            bad.forEach((id, b) -> {
                DeadLetter d = deadByKey.get(id);
                assertThat(d.getRejectionKind()).as(id).isEqualTo(b.kind().name());
                assertThat(d.getMessage()).as(id).isNotBlank();
                assertThat(d.getSourceTopic()).isEqualTo(topic);
                assertThat(Buffers.bytes(d.getKey())).as(id).isEqualTo(b.key());
                // the empty value comes back empty, the tombstone's null as null
                assertThat(Buffers.bytes(d.getValue())).as(id).isEqualTo(b.value());
            });
            assertThat(bad.values().stream().map(Bad::kind).distinct().count()).isGreaterThanOrEqualTo(10);
            assertThat(explained.stream().map(ConsumerRecord::key).collect(Collectors.toList()))
                    .hasSize(goodIds.size())
                    .containsExactlyInAnyOrderElementsOf(goodIds);
            assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);

            // an image 20 s later in event time closes the window of all the above: one final metrics record
            try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(stack.bootstrapServers())) {
                long later = t + 20_000;
                KafkaTestClients.send(
                                producer,
                                topic,
                                key("closer"),
                                image("closer", "RAW_U8", 28, 28, 1, good, later),
                                later)
                        .get();
            }
            long windowStart = t - t % 10_000;
            List<ConsumerRecord<String, ExplanationMetrics>> metrics = KafkaTestClients.readCommitted(
                    stack.bootstrapServers(),
                    topics.metrics(),
                    read -> read.stream()
                            .anyMatch(r -> r.value().getWindowStart().toEpochMilli() == windowStart),
                    Duration.ofSeconds(120),
                    Duration.ofSeconds(1));
            List<ExplanationMetrics> window = metrics.stream()
                    .map(ConsumerRecord::value)
                    .filter(m -> m.getWindowStart().toEpochMilli() == windowStart)
                    .toList();
            assertThat(window).as("one final record for the window").hasSize(1);
            ExplanationMetrics m = window.get(0);
            assertThat(m.getExplainedCount()).isEqualTo(goodIds.size());
            assertThat(m.getDeadLetteredCount()).isEqualTo(bad.size());
            assertThat(m.getModelName()).isEqualTo("fixture-dense");
            assertThat(m.getWindowEnd().toEpochMilli()).isEqualTo(windowStart + 10_000);
            assertThat(m.getClassHistogram().stream().mapToLong(Long::longValue).sum())
                    .isEqualTo(goodIds.size());
            assertThat(m.getCertificateMean()).isPositive();
            assertThat(m.getBatchSizeMean()).isGreaterThan(1.0);
            assertThat(metrics.get(0).key()).endsWith("/fixture-dense@1");
        }
    }

    private static byte[] key(String id) {
        return id.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] image(String id, String encoding, int width, int height, int channels, byte[] data, long t) {
        return format.writeImage("images", new ImageInput(id, encoding, width, height, channels, data, null, t));
    }
}
