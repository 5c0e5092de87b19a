package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.Explanation;
import io.otnn.avro.ModelServingStatus;
import io.otnn.avro.ServingState;
import io.otnn.explain.testing.Fixtures;
import io.otnn.local.LocalStack;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.TopicCreator;
import io.otnn.streams.Topics;
import io.otnn.streams.testing.ChildExplainer;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.KafkaTestClients;
import io.otnn.streams.testing.SwapFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A crash in the middle of a live swap: the explainer (a child JVM, as {@code otnn explain} runs it) is killed with
 * SIGKILL while it fetches the announced version 2 from a slow store, then restarted. Exactly once still holds, and
 * the restarted instance serves version 2 (the newest announcement) from its first batch.
 */
class SwapCrashTest {

    private static final Logger LOG = LoggerFactory.getLogger(SwapCrashTest.class);
    private static final int IMAGES = 5_000;

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withoutEngine();

    @TempDir
    Path work;

    @Test
    void shouldPublishExactlyOneExplanationPerImageAndServeTheNewestVersionWhenKilledDuringASwap() throws Exception {
        LocalStack stack = pipeline.stack();
        Map<String, Object> props = pipeline.explainerProps("swap-crash", "swap-crash-", work.resolve("state"));
        props.put(ExplainerConfig.MODEL_CACHE_DIR_CONFIG, work.resolve("cache").toString());
        props.put(ExplainerConfig.TOPIC_MODELS_STATUS_CONFIG, "swap-crash-models.status");
        props.put(ExplainerConfig.BATCH_MAX_SIZE_CONFIG, "64");
        props.put(ExplainerConfig.BATCH_MAX_WAIT_MS_CONFIG, "100");
        props.put("session.timeout.ms", "6000");
        props.put("heartbeat.interval.ms", "1000");
        ExplainerConfig config = new ExplainerConfig(props);
        Topics topics = Topics.of(config, pipeline.format());
        TopicCreator.createMissing(
                Map.of("bootstrap.servers", stack.bootstrapServers()), TopicCreator.plan(config, topics));
        KafkaTestClients.awaitLeaders(stack.bootstrapServers(), topics.images().name(), 6);
        Set<String> sent = KafkaTestClients.sendRandomImages(
                        stack.bootstrapServers(),
                        pipeline.format(),
                        topics.images().name(),
                        IMAGES,
                        "swap-crash-%05d",
                        new Random(77),
                        false)
                .keySet();
        Path log = work.resolve("child.log");
        Path v1 = Fixtures.denseMnist();

        try (SwapFixtures.Store store = new SwapFixtures.Store(3_000)) {
            String uri = store.serve(SwapFixtures.dense(2), null);
            ChildExplainer first = ChildExplainer.start(v1, props, log);
            try {
                KafkaTestClients.readCommitted(
                        stack.bootstrapServers(),
                        topics.explanations(),
                        r -> r.size() >= 1_200,
                        Duration.ofSeconds(300));
                SwapFixtures.announce(
                        stack.bootstrapServers(),
                        pipeline.registry(),
                        topics.models().name(),
                        SwapFixtures.event(SwapFixtures.dense(2), uri));
                // the child is fetching v2: the store holds its answer for 3 s
                assertThat(store.awaitRequests(1, Duration.ofSeconds(60))).isTrue();
                assertThat(first.isAlive()).isTrue();
                first.kill();
            } finally {
                first.close();
            }
            int atKill = KafkaTestClients.committedCount(
                    stack.bootstrapServers(), topics.explanations().name(), Duration.ofSeconds(60));
            LOG.info("Killed the explainer (SIGKILL) during its swap, after {} committed explanations", atKill);
            assertThat(atKill).as("committed explanations at the kill").isLessThan(IMAGES);
            List<ConsumerRecord<String, Explanation>> beforeRestart = KafkaTestClients.readCommitted(
                    stack.bootstrapServers(), topics.explanations(), r -> r.size() >= atKill, Duration.ofSeconds(60));
            assertThat(beforeRestart).allMatch(r -> r.value().getModelVersion() == 1);

            long restartedAt = System.currentTimeMillis();
            ChildExplainer last = ChildExplainer.start(v1, props, log);
            try {
                List<ConsumerRecord<String, Explanation>> out = KafkaTestClients.readCommitted(
                        stack.bootstrapServers(),
                        topics.explanations(),
                        r -> r.size() >= IMAGES,
                        Duration.ofSeconds(300),
                        Duration.ofSeconds(3));
                if (out.size() != IMAGES) {
                    Files.copy(
                            log,
                            Path.of("target", "swap-crash-test-child.log"),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                Map<String, Long> perKey =
                        out.stream().collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
                assertThat(perKey.values()).as("explanations per image").containsOnly(1L);
                assertThat(perKey.keySet()).isEqualTo(sent);
                assertThat(out).hasSize(IMAGES);

                // the restarted instance served v2 from its first batch on
                List<Explanation> afterRestart = out.stream()
                        .map(ConsumerRecord::value)
                        .filter(e -> e.getExplainedAt().toEpochMilli() >= restartedAt)
                        .toList();
                assertThat(afterRestart).isNotEmpty().allMatch(e -> e.getModelVersion() == 2);
                assertThat(out.size() - afterRestart.size()).isEqualTo(atKill);
                // and per input partition the version never went back
                Map<String, TreeMap<Long, Integer>> byPartition = new TreeMap<>();
                for (ConsumerRecord<String, Explanation> r : out) {
                    String[] source = new String(
                                    r.headers().lastHeader("otnn.source").value(), StandardCharsets.UTF_8)
                            .split(":");
                    byPartition
                            .computeIfAbsent(source[source.length - 2], p -> new TreeMap<>())
                            .put(
                                    Long.parseLong(source[source.length - 1]),
                                    r.value().getModelVersion());
                }
                byPartition.forEach((partition, versions) -> assertThat(List.copyOf(versions.values()))
                        .as("partition %s", partition)
                        .isSorted());
                List<ModelServingStatus> statuses = SwapFixtures.statuses(
                        stack.bootstrapServers(),
                        pipeline.registry(),
                        config.getString(ExplainerConfig.TOPIC_MODELS_STATUS_CONFIG),
                        read -> !read.isEmpty(),
                        Duration.ofSeconds(60));
                assertThat(statuses).hasSize(1);
                assertThat(statuses.get(0).getState()).isEqualTo(ServingState.SERVING);
                assertThat(statuses.get(0).getModelVersion()).isEqualTo(2);
                LOG.info(
                        "Restarted explainer: {} explanations by v2; swap at start-up {} ms",
                        afterRestart.size(),
                        statuses.get(0).getSwapMs());
                assertThat(last.isAlive()).isTrue();
                assertThat(last.terminate()).as("exit code after SIGTERM").isIn(0, 143);
            } finally {
                last.close();
            }
        }
    }
}
