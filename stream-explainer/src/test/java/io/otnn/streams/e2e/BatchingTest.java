package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.Explanation;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.Images;
import io.otnn.streams.testing.KafkaTestClients;
import io.otnn.streams.testing.LinearTestEngine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * When a micro-batch runs, on the real broker: when it is full, when its oldest image has waited
 * {@code batch.max.wait.ms}, and before every commit (interval, or clean shutdown), so that no offset is committed
 * for an image still waiting. TopologyTestDriver commits after every record and so cannot show any of this.
 */
class BatchingTest {

    /** longer than any test: the largest maximum wait, and a commit interval that never comes */
    private static final long NEVER = 60_000L;

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withoutEngine();

    @TempDir
    Path stateDir;

    private Map<String, Object> props(String run, int batchSize, long maxWaitMs, long commitIntervalMs) {
        Map<String, Object> props = pipeline.explainerProps(run, run + ".", stateDir.resolve(run));
        props.put(ExplainerConfig.BATCH_MAX_SIZE_CONFIG, batchSize);
        props.put(ExplainerConfig.BATCH_MAX_WAIT_MS_CONFIG, maxWaitMs);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        props.put(StreamsConfig.producerPrefix("transaction.timeout.ms"), (int) (2 * NEVER));
        // batches are per stream thread: one thread owns every task, so the batches below are the only ones
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        return props;
    }

    private StreamExplainerApp start(Map<String, Object> props, LinearTestEngine engine) throws Exception {
        StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(engine)
                .build()
                .start();
        assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
        KafkaTestClients.awaitLeaders(
                pipeline.stack().bootstrapServers(), app.topics().images().name(), 6);
        return app;
    }

    /** Sends images {@code from..to-1} to partition 0 (one task) and waits until the broker has them. */
    private void send(StreamExplainerApp app, int from, int to) throws Exception {
        send(app, from, to, 0);
    }

    private void send(StreamExplainerApp app, int from, int to, int partition) throws Exception {
        String topic = app.topics().images().name();
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTestClients.producer(pipeline.stack().bootstrapServers())) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = from; i < to; i++) {
                ImageInput image = Images.rawU8("img-" + i, 4, 4, 1, i, null, System.currentTimeMillis());
                sends.add(producer.send(new ProducerRecord<>(
                        topic,
                        partition,
                        image.eventTime(),
                        image.imageId().getBytes(StandardCharsets.UTF_8),
                        pipeline.format().writeImage(topic, image))));
            }
            producer.flush();
            KafkaTestClients.awaitAll(sends);
        }
    }

    private List<ConsumerRecord<String, Explanation>> readCommitted(
            StreamExplainerApp app, int expected, Duration timeout) {
        return KafkaTestClients.readCommitted(
                pipeline.stack().bootstrapServers(),
                app.topics().explanations(),
                read -> read.size() >= expected,
                timeout,
                Duration.ofMillis(500));
    }

    /** Records the app's stream threads have handed to their processors so far. */
    private static double processedRecords(StreamExplainerApp app) {
        return app.streams().metrics().values().stream()
                .filter(m -> m.metricName().group().equals("stream-thread-metrics")
                        && m.metricName().name().equals("process-total"))
                .mapToDouble(m -> ((Number) m.metricValue()).doubleValue())
                .sum();
    }

    private static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    @Test
    void shouldRunFullBatchesAtOnceAndExplainTheRestBeforeTheCommitOfACleanShutdown() throws Exception {
        LinearTestEngine engine = LinearTestEngine.small();
        StreamExplainerApp app = start(props("batch-full", 4, NEVER, NEVER), engine);
        try {
            send(app, 0, 8);
            await(() -> engine.batchSizes().size() >= 2, Duration.ofSeconds(30));
            assertThat(engine.batchSizes()).containsExactly(4, 4);

            send(app, 8, 11);
            // the processor has received all 11 records, and the last 3 ran in no batch
            await(() -> processedRecords(app) >= 11, Duration.ofSeconds(30));
            assertThat(processedRecords(app)).isGreaterThanOrEqualTo(11);
            assertThat(engine.batchSizes())
                    .as("3 images: neither full, nor waited, nor committed")
                    .containsExactly(4, 4);
        } finally {
            app.close();
        }
        assertThat(engine.batchSizes())
                .as("explained before the shutdown's commit")
                .containsExactly(4, 4, 3);
        List<ConsumerRecord<String, Explanation>> out = readCommitted(app, 11, Duration.ofSeconds(30));
        assertThat(out)
                .extracting(ConsumerRecord::key)
                .containsExactlyInAnyOrder(
                        "img-0", "img-1", "img-2", "img-3", "img-4", "img-5", "img-6", "img-7", "img-8", "img-9",
                        "img-10");
        assertThat(out).extracting(r -> r.value().getBatchSize()).containsOnly(4, 3);
    }

    @Test
    void shouldPutTheImagesOfAllTheTasksOfAStreamThreadInOneBatch() throws Exception {
        LinearTestEngine engine = LinearTestEngine.small();
        StreamExplainerApp app = start(props("batch-tasks", 6, NEVER, NEVER), engine);
        try {
            // one stream thread owns the 6 partitions (6 tasks): 2 images on each of 3 partitions fill one batch
            send(app, 0, 2, 0);
            send(app, 2, 4, 3);
            send(app, 4, 6, 5);
            await(() -> !engine.batchSizes().isEmpty(), Duration.ofSeconds(30));
            assertThat(engine.batchSizes()).containsExactly(6);
        } finally {
            app.close();
        }
        List<ConsumerRecord<String, Explanation>> out = readCommitted(app, 6, Duration.ofSeconds(30));
        assertThat(out)
                .extracting(ConsumerRecord::key)
                .containsExactlyInAnyOrder("img-0", "img-1", "img-2", "img-3", "img-4", "img-5");
        assertThat(out).extracting(r -> r.value().getBatchSize()).containsOnly(6);
    }

    @Test
    void shouldExplainALoneImageOnceItHasWaitedTheMaximumWait() throws Exception {
        LinearTestEngine engine = LinearTestEngine.small();
        try (StreamExplainerApp app = start(props("batch-wait", 64, 300, NEVER), engine)) {
            long sent = System.nanoTime();
            send(app, 0, 3);
            await(() -> !engine.batchSizes().isEmpty(), Duration.ofSeconds(30));
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
            assertThat(engine.batchSizes()).containsExactly(3);
            // a lower bound on a measured interval, not a sleep: the batch cannot be seen before it is due
            assertThat(waitedMs).as("not before the maximum wait").isGreaterThanOrEqualTo(300);
        }
    }

    @Test
    void shouldExplainWaitingImagesBeforeEachIntervalCommitSoThatTheyAreVisibleAfterIt() throws Exception {
        LinearTestEngine engine = LinearTestEngine.small();
        try (StreamExplainerApp app = start(props("batch-commit", 64, NEVER, 500), engine)) {
            send(app, 0, 3);
            List<ConsumerRecord<String, Explanation>> out = readCommitted(app, 3, Duration.ofSeconds(30));
            assertThat(out).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("img-0", "img-1", "img-2");
            // nothing but a commit runs a batch here (no wait limit, 64 per batch): the images that arrived before
            // each commit make one batch, so a loaded machine may split the 3 over two commits, never over more
            // batches than images and never with an image explained twice
            assertThat(engine.batchSizes()).allSatisfy(size -> assertThat(size).isBetween(1, 3));
            assertThat(engine.batchSizes().stream().mapToInt(Integer::intValue).sum())
                    .isEqualTo(3);
        }
    }
}
