package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.otnn.avro.Explanation;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.explaining.ExplanationEngine;
import io.otnn.streams.startup.StartupException;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.KafkaTestClients;
import io.otnn.streams.testing.LinearTestEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Settings the README recommends, on the real broker: {@code num.stream.threads=2}, {@code topics.create=false} and
 * {@code commit.after.batch}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class StreamSettingsTest {

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withoutEngine();

    @TempDir
    Path stateDir;

    /** The engine of 28×28 images that notes which threads called the model. */
    private static final class ThreadNotingEngine implements ExplanationEngine {
        final LinearTestEngine delegate = new LinearTestEngine(28, 28, 1, 10, 3, pixels -> false);
        final Set<String> callingThreads = ConcurrentHashMap.newKeySet();

        @Override
        public ModelMetadata model() {
            return delegate.model();
        }

        @Override
        public BatchExplainer newExplainer() {
            BatchExplainer explainer = delegate.newExplainer();
            return new BatchExplainer() {
                @Override
                public List<io.otnn.explain.ImageExplanation> explain(float[][] images) {
                    callingThreads.add(Thread.currentThread().getName());
                    return explainer.explain(images);
                }

                @Override
                public void close() {
                    explainer.close();
                }
            };
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    @Test
    void shouldShareTheTasksAndExplainEachImageOnceWhenNumStreamThreadsIs2() throws Exception {
        Map<String, Object> props = pipeline.explainerProps("two-threads", "two-threads.", stateDir);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2);
        ThreadNotingEngine engine = new ThreadNotingEngine();
        String bootstrap = pipeline.stack().bootstrapServers();
        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(engine)
                .build()
                .start()) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            KafkaTestClients.awaitLeaders(bootstrap, app.topics().images().name(), 6);
            Set<String> sent = KafkaTestClients.sendRandomImages(
                            bootstrap,
                            pipeline.format(),
                            app.topics().images().name(),
                            600,
                            "two-%04d",
                            new Random(21),
                            false)
                    .keySet();
            List<ConsumerRecord<String, Explanation>> out = KafkaTestClients.readCommitted(
                    bootstrap,
                    app.topics().explanations(),
                    read -> read.size() >= sent.size(),
                    Duration.ofSeconds(120),
                    Duration.ofSeconds(1));
            Map<String, Long> perKey =
                    out.stream().collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
            assertThat(perKey.keySet()).isEqualTo(sent);
            assertThat(perKey.values()).allMatch(count -> count == 1);

            Set<ThreadMetadata> threads = app.streams().metadataForLocalThreads();
            assertThat(threads)
                    .hasSize(2)
                    .allSatisfy(t -> assertThat(t.activeTasks()).isNotEmpty());
            // the tasks of the 6 image partitions (sub-topology 0) are split between the two threads
            Map<String, Long> imageTasksPerThread = threads.stream()
                    .collect(Collectors.toMap(
                            ThreadMetadata::threadName,
                            t -> t.activeTasks().stream()
                                    .filter(task -> task.taskId().subtopology() == 0)
                                    .count()));
            assertThat(imageTasksPerThread.values()).allMatch(n -> n > 0);
            assertThat(imageTasksPerThread.values().stream()
                            .mapToLong(Long::longValue)
                            .sum())
                    .isEqualTo(6);
            Set<String> streamThreads =
                    threads.stream().map(ThreadMetadata::threadName).collect(Collectors.toSet());
            assertThat(engine.callingThreads)
                    .as("both stream threads called the model")
                    .isEqualTo(streamThreads);
        }
    }

    @Test
    void shouldGiveUpWithOneLineWhenTopicsCreateIsFalseAndTheImagesTopicIsMissing() {
        Map<String, Object> props = pipeline.explainerProps("no-topic", "never-created.", stateDir);
        props.put(ExplainerConfig.TOPICS_CREATE_CONFIG, false);
        // long enough for a loaded machine to list the topics at least once
        props.put(ExplainerConfig.STARTUP_TIMEOUT_MS_CONFIG, 10_000);
        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(new LinearTestEngine(28, 28, 1, 10, 3, pixels -> false))
                .build()) {
            assertThatThrownBy(app::start)
                    .isInstanceOf(StartupException.class)
                    .hasMessageStartingWith("gave up waiting for the topic never-created.images after ")
                    .hasMessageEndingWith("(startup.timeout.ms=10000): it does not exist and topics.create=false");
            assertThat(app.state()).isEqualTo(org.apache.kafka.streams.KafkaStreams.State.CREATED);
        }
    }

    @Test
    void shouldCreateNoTopicAndUseTheExistingOnesWhenTopicsCreateIsFalse() throws Exception {
        String prefix = "precreated.";
        String bootstrap = pipeline.stack().bootstrapServers();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            // the images topic with 2 partitions, not the 6 the explainer would create
            admin.createTopics(List.of(new NewTopic(prefix + "images", 2, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            Map<String, Object> props = pipeline.explainerProps("no-create", prefix, stateDir);
            props.put(ExplainerConfig.TOPICS_CREATE_CONFIG, false);
            LinearTestEngine engine = new LinearTestEngine(28, 28, 1, 10, 3, pixels -> false);
            try (StreamExplainerApp app = StreamExplainerApp.builder()
                    .setProperties(props)
                    .optEngine(engine)
                    .build()
                    .start()) {
                assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
                Set<String> sent = KafkaTestClients.sendRandomImages(
                                bootstrap, pipeline.format(), prefix + "images", 20, "pre-%02d", new Random(22), false)
                        .keySet();
                List<ConsumerRecord<String, Explanation>> out = KafkaTestClients.readCommitted(
                        bootstrap,
                        app.topics().explanations(),
                        read -> read.size() >= sent.size(),
                        Duration.ofSeconds(120));
                assertThat(out).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(sent);
                assertThat(admin.describeTopics(List.of(prefix + "images"))
                                .allTopicNames()
                                .get()
                                .get(prefix + "images")
                                .partitions())
                        .hasSize(2);
                // the compacted models topic is only ever made by the explainer's topic creation
                assertThat(admin.listTopics().names().get()).doesNotContain(prefix + "models");
            }
        }
    }

    /**
     * With {@code commit.interval.ms} at a minute, a read_committed consumer sees the explanations of a few images
     * within seconds only when their partial batches ask for the commit themselves.
     */
    @Test
    void shouldMakeAPartialBatchReadableWithoutWaitingForTheCommitIntervalWhenCommitAfterBatchIsPartial()
            throws Exception {
        List<ConsumerRecord<String, Explanation>> partial = explainedWithinSeconds("partial", 20);
        assertThat(partial).hasSize(20);
        List<ConsumerRecord<String, Explanation>> none = explainedWithinSeconds("none", 8);
        assertThat(none)
                .as("without the request, nothing is committed before the interval")
                .isEmpty();
    }

    /** Sends 20 images to an explainer that commits every minute, and reads what is committed within {@code seconds}. */
    private List<ConsumerRecord<String, Explanation>> explainedWithinSeconds(String commitAfterBatch, int seconds)
            throws Exception {
        String name = "commit-after-" + commitAfterBatch;
        Map<String, Object> props = pipeline.explainerProps(name, name + ".", stateDir.resolve(name));
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 60_000);
        // Kafka Streams refuses a commit interval longer than the transaction timeout
        props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 120_000);
        props.put(ExplainerConfig.COMMIT_AFTER_BATCH_CONFIG, commitAfterBatch);
        String bootstrap = pipeline.stack().bootstrapServers();
        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(new LinearTestEngine(28, 28, 1, 10, 3, pixels -> false))
                .build()
                .start()) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            KafkaTestClients.awaitLeaders(bootstrap, app.topics().images().name(), 6);
            Set<String> sent = KafkaTestClients.sendRandomImages(
                            bootstrap,
                            pipeline.format(),
                            app.topics().images().name(),
                            20,
                            name + "-%02d",
                            new Random(23),
                            false)
                    .keySet();
            List<ConsumerRecord<String, Explanation>> out = KafkaTestClients.readCommitted(
                    bootstrap,
                    app.topics().explanations(),
                    read -> read.size() >= sent.size(),
                    Duration.ofSeconds(seconds));
            assertThat(out).extracting(ConsumerRecord::key).isSubsetOf(sent);
            return out;
        }
    }
}
