package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.Explanation;
import io.otnn.explain.testing.Fixtures;
import io.otnn.local.LocalStack;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.Topics;
import io.otnn.streams.format.RecordFormat;
import io.otnn.streams.testing.ChildExplainer;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.KafkaTestClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once under crashes: the explainer runs in a child JVM that is killed with SIGKILL twice during a run of
 * 5,000 images and restarted; each kill finds images read but not yet explained, and explanations forwarded but not
 * yet committed. Read with read_committed, the output holds exactly one explanation per image. Run with each
 * {@code batching.buffer}: in memory, a kill loses the waiting images with their uncommitted offsets; changelogged,
 * a kill may leave images whose offsets are committed in the store's changelog, restored at the restart.
 */
class CrashTest {

    private static final Logger LOG = LoggerFactory.getLogger(CrashTest.class);
    private static final int IMAGES = 5_000;

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withoutEngine();

    private static LocalStack stack;
    private static RecordFormat format;

    @TempDir
    Path work;

    @BeforeAll
    static void sharePipelineParts() {
        stack = pipeline.stack();
        format = pipeline.format();
    }

    @ParameterizedTest(name = "batching.buffer={0}")
    @ValueSource(strings = {"in-memory", "changelogged"})
    void shouldPublishExactlyOneExplanationPerImageWhenTheExplainerIsKilledTwiceMidRun(String buffer) throws Exception {
        Path model = Fixtures.denseMnist();
        Map<String, Object> props =
                pipeline.explainerProps("crash-test-" + buffer, "crash-" + buffer + "-", work.resolve("state"));
        props.put(ExplainerConfig.BATCHING_BUFFER_CONFIG, buffer);
        Topics topics = Topics.of(new ExplainerConfig(props), format);
        // batches wait a while so that images are waiting in memory when the child is killed
        props.put(ExplainerConfig.BATCH_MAX_SIZE_CONFIG, "64");
        props.put(ExplainerConfig.BATCH_MAX_WAIT_MS_CONFIG, "100");
        // the killed member must leave the group quickly for the restarted one to get its partitions
        props.put("session.timeout.ms", "6000");
        props.put("heartbeat.interval.ms", "1000");
        Path log = work.resolve("child.log");

        // topics are created by the child; create the images topic's 6 partitions up front with the same plan
        io.otnn.streams.TopicCreator.createMissing(
                Map.of("bootstrap.servers", stack.bootstrapServers()),
                io.otnn.streams.TopicCreator.plan(new ExplainerConfig(props), topics));
        KafkaTestClients.awaitLeaders(stack.bootstrapServers(), topics.images().name(), 6);
        Set<String> sent = KafkaTestClients.sendRandomImages(
                        stack.bootstrapServers(),
                        format,
                        topics.images().name(),
                        IMAGES,
                        "crash-%05d",
                        new Random(5000),
                        false)
                .keySet();

        int[] killAt = {1_200, 3_000};
        for (int round = 0; round < killAt.length; round++) {
            ChildExplainer child = ChildExplainer.start(model, props, log);
            int target = killAt[round];
            List<ConsumerRecord<String, Explanation>> progress = KafkaTestClients.readCommitted(
                    stack.bootstrapServers(),
                    topics.explanations(),
                    read -> read.size() >= target,
                    Duration.ofSeconds(300));
            assertThat(child.isAlive())
                    .as("child alive before kill %d", round + 1)
                    .isTrue();
            assertThat(progress.size()).as("progress before kill %d", round + 1).isGreaterThanOrEqualTo(target);
            child.kill();
            int atKill = KafkaTestClients.committedCount(
                    stack.bootstrapServers(), topics.explanations().name(), Duration.ofSeconds(60));
            LOG.info("Killed the explainer (SIGKILL) after {} committed explanations", atKill);
            // a child that had finished before its kill would prove nothing about a crash mid-run
            assertThat(atKill)
                    .as("committed explanations when kill %d struck", round + 1)
                    .isLessThan(IMAGES);
        }

        ChildExplainer last = ChildExplainer.start(model, props, log);
        try {
            List<ConsumerRecord<String, Explanation>> out = KafkaTestClients.readCommitted(
                    stack.bootstrapServers(),
                    topics.explanations(),
                    read -> read.size() >= IMAGES,
                    Duration.ofSeconds(300),
                    Duration.ofSeconds(3));
            Map<String, Long> perKey =
                    out.stream().collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
            Map<String, Long> duplicates = perKey.entrySet().stream()
                    .filter(e -> e.getValue() > 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            if (out.size() != IMAGES) {
                Files.copy(
                        log,
                        Path.of("target", "crash-test-" + buffer + "-child.log"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                LOG.error(
                        "{} explanations for {} images; child log in target/crash-test-{}-child.log",
                        out.size(),
                        IMAGES,
                        buffer);
            }
            Set<String> missing = new TreeSet<>(sent);
            missing.removeAll(perKey.keySet());
            assertThat(duplicates).as("duplicated explanations").isEmpty();
            assertThat(missing)
                    .as("images without an explanation (%d)", missing.size())
                    .isEmpty();
            assertThat(perKey.keySet()).hasSameSizeAs(sent).containsAll(sent);
            assertThat(out).hasSize(IMAGES);
            assertThat(last.isAlive()).isTrue();
            assertThat(last.terminate()).as("exit code after SIGTERM").isIn(0, 143);
        } finally {
            last.close();
        }
    }
}
