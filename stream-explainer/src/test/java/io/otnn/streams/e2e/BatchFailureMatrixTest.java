package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.testing.Buffers;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.FaultInjectingEngine;
import io.otnn.streams.testing.FaultInjectingEngine.Position;
import io.otnn.streams.testing.FaultInjectingEngine.Stage;
import io.otnn.streams.testing.Images;
import io.otnn.streams.testing.KafkaTestClients;
import io.otnn.streams.testing.LinearTestEngine;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A fault at each stage of a batch's life, at each position in the batch, on the real broker (read_committed),
 * with every batch made of the images of three tasks (two images from each of partitions 0, 1 and 2): every image
 * gets exactly one outcome, and it is its own: the explanation's key, id and scores are those of the image's own
 * pixels (computed here, independently, with the linear engine's weights), a dead letter carries the image's own
 * bytes and the kind of the fault, and the dead letters are exactly the victims.
 *
 * <p>Each stage runs four rounds of six images; round k's batch has its victims at {@code FIRST}, {@code MIDDLE},
 * {@code LAST}, then {@code ALL} positions. {@code PRE_COMMIT_DRAIN} is the model-call fault in batches that only
 * the pre-commit hook runs (no size or wait limit is ever reached).
 */
class BatchFailureMatrixTest {

    private static final long NEVER = 60_000L;
    private static final int ROUNDS = 4;
    private static final int PER_PARTITION = 2;
    private static final int PARTITIONS = 3;
    private static final int BATCH = PER_PARTITION * PARTITIONS;

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withoutEngine();

    @TempDir
    Path stateDir;

    private static String expectedKind(Stage stage) {
        return switch (stage) {
            case MODEL_CALL, PRE_COMMIT_DRAIN -> "MODEL_ERROR";
            case NON_FINITE_RESULT -> "NON_FINITE_RESULT";
            case ENCODING -> "UNENCODABLE_RESULT";
            case FORWARDING -> "PRODUCTION";
        };
    }

    @ParameterizedTest
    @EnumSource(Stage.class)
    void shouldGiveEveryImageExactlyOneOutcomeOfItsOwnWhenAFaultStrikesOneStageOfABatchOfThreeTasks(Stage stage)
            throws Exception {
        String run = "matrix-" + stage.name().toLowerCase().replace('_', '-');
        Map<String, Object> props = pipeline.explainerProps(run, run + ".", stateDir.resolve(run));
        boolean drainOnly = stage == Stage.PRE_COMMIT_DRAIN;
        props.put(ExplainerConfig.BATCH_MAX_SIZE_CONFIG, drainOnly ? 64 : BATCH);
        props.put(ExplainerConfig.BATCH_MAX_WAIT_MS_CONFIG, NEVER);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, drainOnly ? 1_000L : NEVER);
        props.put(StreamsConfig.producerPrefix("transaction.timeout.ms"), (int) (2 * NEVER));
        // a batch of three tasks needs one stream thread owning them all (batches are per stream thread)
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);

        LinearTestEngine linear = LinearTestEngine.small();
        Map<String, String> idByPixels = new ConcurrentHashMap<>();
        FaultInjectingEngine engine = new FaultInjectingEngine(
                linear,
                stage,
                List.of(Position.FIRST, Position.MIDDLE, Position.LAST, Position.ALL),
                pixels -> idByPixels.get(Arrays.toString(pixels)));

        Map<String, ImageInput> sent = new LinkedHashMap<>();
        Map<String, byte[]> sentBytes = new LinkedHashMap<>();
        List<ConsumerRecord<String, Explanation>> explained;
        List<ConsumerRecord<String, DeadLetter>> dead;
        StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(engine)
                .optFormat(engine.format(pipeline.format()))
                .build()
                .start();
        try {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            String topic = app.topics().images().name();
            KafkaTestClients.awaitLeaders(pipeline.stack().bootstrapServers(), topic, 6);
            Random random = new Random(stage.ordinal());
            try (KafkaProducer<byte[], byte[]> producer =
                    KafkaTestClients.producer(pipeline.stack().bootstrapServers())) {
                for (int round = 0; round < ROUNDS; round++) {
                    List<Future<RecordMetadata>> sends = new ArrayList<>();
                    for (int partition = 0; partition < PARTITIONS; partition++) {
                        for (int i = 0; i < PER_PARTITION; i++) {
                            String id = run + "-r" + round + "-p" + partition + "-" + i;
                            ImageInput image =
                                    Images.rawU8(id, 4, 4, 1, random.nextLong(), null, System.currentTimeMillis());
                            byte[] value = pipeline.format().writeImage(topic, image);
                            sent.put(id, image);
                            sentBytes.put(id, value);
                            idByPixels.put(Arrays.toString(Images.decodeU8(image.data())), id);
                            sends.add(producer.send(new ProducerRecord<>(
                                    topic, partition, image.eventTime(), id.getBytes(StandardCharsets.UTF_8), value)));
                        }
                    }
                    producer.flush();
                    KafkaTestClients.awaitAll(sends);
                    // the next round's images must not join this round's batch
                    await(() -> engine.seen().containsAll(sent.keySet()), Duration.ofSeconds(30));
                    assertThat(engine.seen())
                            .as("round %d reached the model", round)
                            .containsAll(sent.keySet());
                }
            }
            assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
        } finally {
            app.close();
        }
        explained = KafkaTestClients.readCommitted(
                pipeline.stack().bootstrapServers(),
                app.topics().explanations(),
                read -> read.size() >= sent.size() - engine.victims().size(),
                Duration.ofSeconds(60),
                Duration.ofSeconds(1));
        dead = KafkaTestClients.readCommitted(
                pipeline.stack().bootstrapServers(),
                app.topics().deadLetters(),
                read -> read.size() >= engine.victims().size(),
                Duration.ofSeconds(60),
                Duration.ofSeconds(1));

        Set<String> victims = engine.victims();
        Map<String, Long> outcomes = new LinkedHashMap<>();
        explained.forEach(r -> outcomes.merge(r.key(), 1L, Long::sum));
        dead.forEach(r -> outcomes.merge(r.key(), 1L, Long::sum));
        long lost =
                sent.keySet().stream().filter(id -> !outcomes.containsKey(id)).count();
        long duplicated = outcomes.values().stream().filter(n -> n > 1).count();
        System.out.printf(
                "MATRIX stage=%s sent=%d explained=%d dead-lettered=%d lost=%d duplicated=%d%n",
                stage, sent.size(), explained.size(), dead.size(), lost, duplicated);

        assertThat(victims)
                .as("one victim in each of three rounds, six in the last")
                .hasSizeGreaterThanOrEqualTo(ROUNDS)
                .doesNotContainNull();
        assertThat(outcomes).as("exactly one outcome per image, no other").containsOnlyKeys(sent.keySet());
        assertThat(lost).isZero();
        assertThat(duplicated).isZero();
        assertThat(dead).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(victims);
        assertThat(explained).hasSize(sent.size() - victims.size());
        for (ConsumerRecord<String, DeadLetter> r : dead) {
            assertThat(r.value().getRejectionKind()).as(r.key()).isEqualTo(expectedKind(stage));
            assertThat(Buffers.bytes(r.value().getKey()))
                    .as(r.key())
                    .isEqualTo(r.key().getBytes(StandardCharsets.UTF_8));
            assertThat(Buffers.bytes(r.value().getValue()))
                    .as("the dead letter of %s carries its own bytes", r.key())
                    .isEqualTo(sentBytes.get(r.key()));
        }
        for (ConsumerRecord<String, Explanation> r : explained) {
            Explanation e = r.value();
            assertThat(e.getImageId()).isEqualTo(r.key());
            float[] own = linear.scores(Images.decodeU8(sent.get(r.key()).data()));
            assertThat(e.getScores())
                    .as("the scores of %s are those of its own pixels", r.key())
                    .hasSize(own.length);
            for (int k = 0; k < own.length; k++) {
                assertThat((double) e.getScores().get(k))
                        .as("%s score %d", r.key(), k)
                        .isCloseTo(own[k], within(1e-6));
            }
        }
        long alone = linear.batchSizes().stream().filter(n -> n == 1).count();
        switch (stage) {
            // the victims' results are refused in the batch; exactly they run again, alone
            case NON_FINITE_RESULT, ENCODING -> {
                assertThat(alone)
                        .as("calls of one image: exactly the victims' retries")
                        .isEqualTo(victims.size());
                assertThat(explained).extracting(r -> r.value().getBatchSize()).containsOnly(BATCH);
            }
            // the batch's outcomes are all known before forwarding: nothing runs again
            case FORWARDING -> assertThat(alone).isZero();
            // every batch holds a victim: each of its other images runs alone, the victims never reach the model
            case MODEL_CALL -> {
                assertThat(alone).isEqualTo(sent.size() - victims.size());
                assertThat(explained).extracting(r -> r.value().getBatchSize()).containsOnly(1);
            }
            case PRE_COMMIT_DRAIN -> assertThat(alone).isLessThanOrEqualTo(sent.size() - victims.size());
        }
    }

    private static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }
}
