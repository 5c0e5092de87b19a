package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.testing.Buffers;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
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
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real engine fed RAW_F32 images whose values are far outside its input range (1e20 to 3e38: at 3e38 the logits
 * become infinite, the margin and the counterfactual NaN) between good images on six partitions. Before the
 * post-processing was inside the retry, the first overflowing image failed its batch's forwarding half-way, the
 * stream thread was replaced and read the same batch again, forever (15 of 264 images explained); and 1e30 was
 * explained and "certified" at radius 2.5e30. Now each of them is its own {@code OUT_OF_RANGE} dead letter, refused
 * by the decoder before the model, and every good image is explained exactly once. (A non-finite result of an
 * in-range image is {@code NON_FINITE_RESULT}: {@code BatchFailureMatrixTest} injects it.)
 */
class OverflowingInputTest {

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withEngine();

    @TempDir
    Path stateDir;

    @Test
    void shouldDeadLetterEachOutOfRangeImageAndExplainEveryOtherOnceWhenTheyShareBatches() throws Exception {
        Map<String, Object> props = pipeline.explainerProps("overflow", "overflow.", stateDir);
        Map<String, byte[]> overflowing = new LinkedHashMap<>();
        Map<String, byte[]> explainable = new LinkedHashMap<>();
        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(pipeline.engine())
                .build()
                .start()) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            String topic = app.topics().images().name();
            String bootstrap = pipeline.stack().bootstrapServers();
            KafkaTestClients.awaitLeaders(bootstrap, topic, 6);
            Random random = new Random(5);
            long t = System.currentTimeMillis();
            float[] extremes = {1e30f, 3e38f, -3e38f, 1e20f};
            try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap)) {
                List<Future<RecordMetadata>> sends = new ArrayList<>();
                for (int i = 0; i < 160; i++) {
                    String id = "good-" + i;
                    byte[] value = pipeline.format()
                            .writeImage(
                                    topic,
                                    new ImageInput(
                                            id,
                                            "RAW_U8",
                                            28,
                                            28,
                                            1,
                                            Images.randomU8(784, random.nextLong()),
                                            random.nextInt(10),
                                            t));
                    explainable.put(id, value);
                    sends.add(KafkaTestClients.send(producer, topic, id.getBytes(StandardCharsets.UTF_8), value, t));
                    if (i % 10 == 5) {
                        float extreme = extremes[(i / 10) % extremes.length];
                        String big = "extreme-" + i;
                        float[] pixels = new float[784];
                        Arrays.fill(pixels, extreme);
                        byte[] bytes = pipeline.format()
                                .writeImage(
                                        topic, new ImageInput(big, "RAW_F32", 28, 28, 1, Images.f32(pixels), null, t));
                        overflowing.put(big, bytes);
                        sends.add(
                                KafkaTestClients.send(producer, topic, big.getBytes(StandardCharsets.UTF_8), bytes, t));
                    }
                }
                producer.flush();
                KafkaTestClients.awaitAll(sends);
            }
            List<ConsumerRecord<String, Explanation>> explained = KafkaTestClients.readCommitted(
                    bootstrap,
                    app.topics().explanations(),
                    read -> read.size() >= explainable.size(),
                    Duration.ofSeconds(180),
                    Duration.ofSeconds(1));
            List<ConsumerRecord<String, DeadLetter>> dead = KafkaTestClients.readCommitted(
                    bootstrap,
                    app.topics().deadLetters(),
                    read -> read.size() >= overflowing.size(),
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(1));

            assertThat(explained)
                    .extracting(ConsumerRecord::key)
                    .containsExactlyInAnyOrderElementsOf(explainable.keySet());
            assertThat(dead).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(overflowing.keySet());
            for (ConsumerRecord<String, DeadLetter> d : dead) {
                assertThat(d.value().getRejectionKind()).isEqualTo("OUT_OF_RANGE");
                assertThat(Buffers.bytes(d.value().getValue())).isEqualTo(overflowing.get(d.key()));
            }
            assertThat(explained)
                    .allSatisfy(e ->
                            assertThat(e.value().getCertificate().getRadius()).isFinite());
            assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
        }
    }
}
