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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit of a rebalance, on the real broker, for each {@code batching.buffer}: instance a has read 12 images
 * (2 on each of 6 partitions) and explained none (no batch is full, none has waited long enough, no interval commit
 * comes), then instance b joins and takes some of a's tasks.
 *
 * <ul>
 *   <li>in memory: a explains the waiting images of the tasks it hands over in its pre-commit hook, so they are in
 *       the transaction that commits their offsets; b, which starts from those offsets, explains nothing. This is
 *       the behavioural half of the check that the Kafka Streams on the class path still flushes its cached stores
 *       before it takes a task's offsets ({@code KafkaStreamsInternalsTest} is the reflective half);</li>
 *   <li>changelogged: a commits the offsets with the images in the store's changelog, and b restores them and
 *       explains them.</li>
 * </ul>
 * Either way, when a stops too, every image has exactly one explanation.
 */
class WaitingImagesAtRebalanceTest {

    /** longer than any test: a maximum wait and a commit interval that never come */
    private static final long NEVER = 60_000L;

    private static final int PARTITIONS = 6;
    private static final int PER_PARTITION = 2;

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withoutEngine();

    @TempDir
    Path stateDir;

    private Map<String, Object> props(
            String run, String buffer, String instance, long maxWaitMs, long commitIntervalMs) {
        Map<String, Object> props = pipeline.explainerProps(run, run + ".", stateDir.resolve(instance));
        props.put(ExplainerConfig.BATCHING_BUFFER_CONFIG, buffer);
        props.put(ExplainerConfig.INSTANCE_ID_CONFIG, instance);
        props.put(ExplainerConfig.BATCH_MAX_SIZE_CONFIG, 64);
        props.put(ExplainerConfig.BATCH_MAX_WAIT_MS_CONFIG, maxWaitMs);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        props.put(StreamsConfig.producerPrefix("transaction.timeout.ms"), (int) (2 * NEVER));
        return props;
    }

    private static StreamExplainerApp start(Map<String, Object> props, LinearTestEngine engine) throws Exception {
        StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(engine)
                .build()
                .start();
        assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
        return app;
    }

    /** Sends {@link #PER_PARTITION} images to each partition; returns the image ids by partition. */
    private static Map<Integer, List<String>> sendToEveryPartition(StreamExplainerApp app) throws Exception {
        String topic = app.topics().images().name();
        KafkaTestClients.awaitLeaders(pipeline.stack().bootstrapServers(), topic, PARTITIONS);
        Map<Integer, List<String>> ids = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTestClients.producer(pipeline.stack().bootstrapServers())) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            int i = 0;
            for (int partition = 0; partition < PARTITIONS; partition++) {
                for (int n = 0; n < PER_PARTITION; n++, i++) {
                    ImageInput image = Images.rawU8("img-" + i, 4, 4, 1, i, null, System.currentTimeMillis());
                    ids.computeIfAbsent(partition, p -> new ArrayList<>()).add(image.imageId());
                    sends.add(producer.send(new ProducerRecord<>(
                            topic,
                            partition,
                            image.eventTime(),
                            image.imageId().getBytes(StandardCharsets.UTF_8),
                            pipeline.format().writeImage(topic, image))));
                }
            }
            producer.flush();
            KafkaTestClients.awaitAll(sends);
        }
        return ids;
    }

    /** Records the app's stream threads have handed to their processors so far. */
    private static double processedRecords(StreamExplainerApp app) {
        return app.streams().metrics().values().stream()
                .filter(m -> m.metricName().group().equals("stream-thread-metrics")
                        && m.metricName().name().equals("process-total"))
                .mapToDouble(m -> ((Number) m.metricValue()).doubleValue())
                .sum();
    }

    /** The image partitions of the app's active tasks. */
    private static Set<Integer> ownedPartitions(StreamExplainerApp app) {
        String topic = app.topics().images().name();
        Set<Integer> owned = new TreeSet<>();
        for (ThreadMetadata thread : app.streams().metadataForLocalThreads()) {
            for (TaskMetadata task : thread.activeTasks()) {
                task.topicPartitions().stream()
                        .filter(tp -> tp.topic().equals(topic))
                        .map(TopicPartition::partition)
                        .forEach(owned::add);
            }
        }
        return owned;
    }

    private static int explained(LinearTestEngine engine) {
        return engine.batchSizes().stream().mapToInt(Integer::intValue).sum();
    }

    private static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private static List<ConsumerRecord<String, Explanation>> readCommittedUntil(
            StreamExplainerApp app, Set<String> expected) {
        return KafkaTestClients.readCommitted(
                pipeline.stack().bootstrapServers(),
                app.topics().explanations(),
                read -> read.stream()
                        .map(ConsumerRecord::key)
                        .collect(Collectors.toSet())
                        .containsAll(expected),
                Duration.ofSeconds(90),
                Duration.ofMillis(500));
    }

    private static Set<String> imagesOf(Map<Integer, List<String>> ids, Set<Integer> partitions) {
        return partitions.stream().flatMap(p -> ids.get(p).stream()).collect(Collectors.toCollection(TreeSet::new));
    }

    private static void assertExactlyOncePerImage(
            List<ConsumerRecord<String, Explanation>> out, Map<Integer, List<String>> ids) {
        Map<String, Long> perKey =
                out.stream().collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
        assertThat(perKey.keySet())
                .containsExactlyInAnyOrderElementsOf(
                        ids.values().stream().flatMap(List::stream).toList());
        assertThat(perKey.values()).as("one explanation per image").allMatch(count -> count == 1);
    }

    @Test
    void shouldExplainTheWaitingImagesOfHandedOverTasksBeforeTheirOffsetsAreCommittedWhenAnInstanceJoins()
            throws Exception {
        LinearTestEngine engineA = LinearTestEngine.small();
        LinearTestEngine engineB = LinearTestEngine.small();
        String run = "rebalance-in-memory";
        StreamExplainerApp a = start(props(run, "in-memory", "a", NEVER, NEVER), engineA);
        StreamExplainerApp b = null;
        try {
            Map<Integer, List<String>> ids = sendToEveryPartition(a);
            await(() -> processedRecords(a) >= PARTITIONS * PER_PARTITION, Duration.ofSeconds(30));
            assertThat(processedRecords(a)).isGreaterThanOrEqualTo(PARTITIONS * PER_PARTITION);
            assertThat(engineA.batchSizes())
                    .as("all waiting: no batch full, none waited, no commit")
                    .isEmpty();

            b = start(props(run, "in-memory", "b", NEVER, NEVER), engineB);
            StreamExplainerApp joined = b;
            await(() -> !ownedPartitions(joined).isEmpty(), Duration.ofSeconds(60));
            Set<Integer> handedOver = ownedPartitions(b);
            assertThat(handedOver).as("partitions b took over from a").isNotEmpty();
            Set<String> handedOverImages = imagesOf(ids, handedOver);

            List<ConsumerRecord<String, Explanation>> committed = readCommittedUntil(a, handedOverImages);
            assertThat(committed).extracting(ConsumerRecord::key).containsAll(handedOverImages);
            assertThat(explained(engineA))
                    .as("a explained them before the rebalance's commit")
                    .isGreaterThanOrEqualTo(handedOverImages.size());
            assertThat(explained(engineB))
                    .as("b found their offsets committed, with their explanations")
                    .isZero();

            a.close();
            List<ConsumerRecord<String, Explanation>> out = readCommittedUntil(
                    b, ids.values().stream().flatMap(List::stream).collect(Collectors.toSet()));
            assertExactlyOncePerImage(out, ids);
            assertThat(explained(engineA)).isEqualTo(PARTITIONS * PER_PARTITION);
            assertThat(explained(engineB)).isZero();
        } finally {
            a.close();
            if (b != null) {
                b.close();
            }
        }
    }

    @Test
    void shouldExplainTheWaitingImagesOfHandedOverTasksFromTheChangelogWhenAnotherInstanceTakesThemOver()
            throws Exception {
        LinearTestEngine engineA = LinearTestEngine.small();
        LinearTestEngine engineB = LinearTestEngine.small();
        String run = "rebalance-changelogged";
        StreamExplainerApp a = start(props(run, "changelogged", "a", NEVER, NEVER), engineA);
        StreamExplainerApp b = null;
        try {
            Map<Integer, List<String>> ids = sendToEveryPartition(a);
            await(() -> processedRecords(a) >= PARTITIONS * PER_PARTITION, Duration.ofSeconds(30));
            assertThat(processedRecords(a)).isGreaterThanOrEqualTo(PARTITIONS * PER_PARTITION);
            assertThat(engineA.batchSizes())
                    .as("all waiting: no batch full, none waited")
                    .isEmpty();

            // b explains what it restores after 200 ms and commits every 200 ms
            b = start(props(run, "changelogged", "b", 200, 200), engineB);
            StreamExplainerApp joined = b;
            await(() -> !ownedPartitions(joined).isEmpty(), Duration.ofSeconds(60));
            Set<Integer> handedOver = ownedPartitions(b);
            assertThat(handedOver).as("partitions b took over from a").isNotEmpty();
            Set<String> handedOverImages = imagesOf(ids, handedOver);

            List<ConsumerRecord<String, Explanation>> committed = readCommittedUntil(b, handedOverImages);
            assertThat(committed).extracting(ConsumerRecord::key).containsAll(handedOverImages);
            assertThat(explained(engineB))
                    .as("b restored them from the changelog and explained them")
                    .isGreaterThanOrEqualTo(handedOverImages.size());
            assertThat(committed)
                    .filteredOn(r -> handedOverImages.contains(r.key()))
                    .extracting(r -> r.value().getExplainerInstance())
                    .containsOnly(run + "/b");
            assertThat(explained(engineA))
                    .as("a explained nothing: its batches never ran")
                    .isZero();

            a.close();
            List<ConsumerRecord<String, Explanation>> out = readCommittedUntil(
                    b, ids.values().stream().flatMap(List::stream).collect(Collectors.toSet()));
            assertExactlyOncePerImage(out, ids);
            assertThat(explained(engineA))
                    .as("a closed with its images in the store")
                    .isZero();
            assertThat(explained(engineB)).isEqualTo(PARTITIONS * PER_PARTITION);
        } finally {
            a.close();
            if (b != null) {
                b.close();
            }
        }
    }
}
