package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.Explanation;
import io.otnn.avro.ModelRole;
import io.otnn.avro.ModelServingStatus;
import io.otnn.avro.ServingState;
import io.otnn.explain.testing.Fixtures;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.Topics;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.KafkaTestClients;
import io.otnn.streams.testing.PacedSender;
import io.otnn.streams.testing.SwapFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two instances of one application id share the 6 image partitions and follow {@code fixture-dense} on the models
 * topic, each with its own consumer. While images stream, v2 is announced: both swap to it, each publishes SERVING
 * v2, and from then on every partition is explained by v2; a wrong-shape v3 is then refused by both, which keep
 * serving v2. Exactly once holds across the instances throughout. The spread between the instances is printed (the
 * figure of {@code docs/live-swap.md}, "Instances of one application id"); it is measured, not asserted.
 */
class SwapConvergenceTest {

    private static final Logger LOG = LoggerFactory.getLogger(SwapConvergenceTest.class);
    private static final String APPLICATION = "swap-converge";
    private static final String STATUS_TOPIC = "swap-converge-models.status";
    private static final List<String> INSTANCES = List.of("a", "b");
    private static final int STREAMED = 3_000;
    private static final int PER_SECOND = 250;
    private static final int AFTER_REFUSAL = 300;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withoutEngine();

    @TempDir
    Path work;

    private StreamExplainerApp instance(String name) {
        Map<String, Object> props =
                pipeline.explainerProps(APPLICATION, "swap-converge-", work.resolve("state-" + name));
        props.put(ExplainerConfig.MODEL_CONFIG, Fixtures.denseMnist().toString());
        props.put(
                ExplainerConfig.MODEL_CACHE_DIR_CONFIG,
                work.resolve("cache-" + name).toString());
        props.put(ExplainerConfig.INSTANCE_ID_CONFIG, name);
        props.put(ExplainerConfig.TOPIC_MODELS_STATUS_CONFIG, STATUS_TOPIC);
        return StreamExplainerApp.builder().setProperties(props).build();
    }

    @Test
    void shouldConvergeOnTheAnnouncedVersionAndRefuseAWrongShapeOneTogetherWhenTwoInstancesShareThePartitions()
            throws Exception {
        String bootstrap = pipeline.stack().bootstrapServers();
        try (StreamExplainerApp a = instance("a");
                StreamExplainerApp b = instance("b")) {
            a.start();
            b.start();
            assertThat(a.awaitRunning(WAIT)).isTrue();
            assertThat(b.awaitRunning(WAIT)).isTrue();
            Topics topics = a.topics();
            KafkaTestClients.awaitLeaders(bootstrap, topics.images().name(), 6);
            awaitSharedAssignment(List.of(a, b), topics.images().name());
            Map<String, Set<Integer>> owned = new TreeMap<>(Map.of(
                    "a",
                    partitions(a, topics.images().name()),
                    "b",
                    partitions(b, topics.images().name())));

            PacedSender sender = PacedSender.start(
                    bootstrap, pipeline.format(), topics.images().name(), STREAMED, PER_SECOND, "converge-%05d", 21);
            KafkaTestClients.readCommitted(
                    bootstrap,
                    topics.explanations(),
                    r -> r.size() >= 600 && instances(r).size() == 2,
                    Duration.ofSeconds(120));

            // v2: each instance reads the announcement with its own consumer and swaps on its own
            SwapFixtures.announce(
                    bootstrap, pipeline.registry(), topics.models().name(), SwapFixtures.event(SwapFixtures.dense(2)));
            long announcedAt = announcementTime(topics, 1);
            Map<String, ModelServingStatus> serving = awaitOnePerInstance(s -> s.getModelVersion() == 2);
            for (var status : serving.entrySet()) {
                assertThat(status.getValue().getState())
                        .as("%s: %s", status.getKey(), status.getValue().getReason())
                        .isEqualTo(ServingState.SERVING);
                assertThat(status.getValue().getServingVersion()).isEqualTo(2);
                assertThat(status.getValue().getSwapMs()).isNotNull().isPositive();
            }

            // v3 on the wrong input shape: refused by both, v2 keeps serving
            SwapFixtures.announce(
                    bootstrap,
                    pipeline.registry(),
                    topics.models().name(),
                    SwapFixtures.event(SwapFixtures.wrongShape(3)));
            long v3AnnouncedAt = announcementTime(topics, 2);
            Map<String, ModelServingStatus> refused = awaitOnePerInstance(s -> s.getModelVersion() == 3);
            for (var status : refused.entrySet()) {
                assertThat(status.getValue().getState()).as(status.getKey()).isEqualTo(ServingState.REFUSED);
                assertThat(status.getValue().getServingVersion()).isEqualTo(2);
                assertThat(status.getValue().getReason())
                        .isEqualTo("wrong input shape [6, 5, 2]: the serving model takes [28, 28, 1]");
            }
            for (StreamExplainerApp app : List.of(a, b)) {
                assertThat(app.modelFollower()
                                .orElseThrow()
                                .slot()
                                .servingModel()
                                .orElseThrow()
                                .version())
                        .isEqualTo(2);
            }

            Map<String, ImageInput> sent = new HashMap<>(sender.await(180, TimeUnit.SECONDS));
            Set<String> afterRefusal = KafkaTestClients.sendRandomImages(
                            bootstrap,
                            pipeline.format(),
                            topics.images().name(),
                            AFTER_REFUSAL,
                            "after-refusal-%04d",
                            new Random(22),
                            false)
                    .keySet();
            int total = STREAMED + AFTER_REFUSAL;
            List<ConsumerRecord<String, Explanation>> out = KafkaTestClients.readCommitted(
                    bootstrap,
                    topics.explanations(),
                    r -> r.size() >= total,
                    Duration.ofSeconds(180),
                    Duration.ofSeconds(3));

            // exactly once across the instances
            Map<String, Long> perKey =
                    out.stream().collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
            Set<String> expected = new HashSet<>(sent.keySet());
            expected.addAll(afterRefusal);
            assertThat(perKey.values()).as("explanations per image").containsOnly(1L);
            assertThat(perKey.keySet()).isEqualTo(expected);
            assertThat(out).hasSize(total);

            // per partition, in offset order, the version never went back
            Map<Integer, TreeMap<Long, Integer>> byPartition = new TreeMap<>();
            for (ConsumerRecord<String, Explanation> record : out) {
                String[] source = new String(
                                record.headers().lastHeader("otnn.source").value(), StandardCharsets.UTF_8)
                        .split(":");
                byPartition
                        .computeIfAbsent(Integer.parseInt(source[source.length - 2]), p -> new TreeMap<>())
                        .put(
                                Long.parseLong(source[source.length - 1]),
                                record.value().getModelVersion());
            }
            assertThat(byPartition).hasSize(6);
            byPartition.forEach((partition, versions) -> assertThat(List.copyOf(versions.values()))
                    .as("versions of partition %d in offset order", partition)
                    .isSorted()
                    .startsWith(1)
                    .endsWith(2));

            // after both decisions, every image is explained by v2, whichever instance owns its partition
            long converged = serving.values().stream()
                    .mapToLong(s -> s.getTime().toEpochMilli())
                    .max()
                    .orElseThrow();
            Set<String> bornAfterConvergence = sent.values().stream()
                    .filter(image -> image.eventTime() > converged)
                    .map(ImageInput::imageId)
                    .collect(Collectors.toCollection(HashSet::new));
            int streamedAfterConvergence = bornAfterConvergence.size();
            bornAfterConvergence.addAll(afterRefusal);
            List<Explanation> afterConvergence = out.stream()
                    .filter(r -> bornAfterConvergence.contains(r.key()))
                    .map(ConsumerRecord::value)
                    .toList();
            assertThat(afterConvergence).hasSize(bornAfterConvergence.size()).allMatch(e -> e.getModelVersion() == 2);
            assertThat(afterConvergence.stream().map(SwapConvergenceTest::instance))
                    .as("both instances explain after convergence")
                    .containsAll(INSTANCES);
            assertThat(out.stream()
                            .filter(r -> afterRefusal.contains(r.key()))
                            .map(r -> instance(r.value()))
                            .collect(Collectors.toSet()))
                    .as("both instances explain after the refusal")
                    .containsExactlyInAnyOrderElementsOf(INSTANCES);

            // each instance decided twice, no more: v2 serves, v3 refused
            Map<String, List<String>> decisions =
                    SwapFixtures.statuses(bootstrap, pipeline.registry(), STATUS_TOPIC, r -> r.size() >= 4, WAIT)
                            .stream()
                            .collect(Collectors.groupingBy(
                                    s -> s.getApplication() + "/" + s.getInstance() + " " + s.getRole(),
                                    TreeMap::new,
                                    Collectors.mapping(
                                            s -> s.getState() + " v" + s.getModelVersion(), Collectors.toList())));
            assertThat(decisions)
                    .containsExactly(
                            Map.entry(APPLICATION + "/a PRIMARY", List.of("SERVING v2", "REFUSED v3")),
                            Map.entry(APPLICATION + "/b PRIMARY", List.of("SERVING v2", "REFUSED v3")));

            // the figures: measured and printed, not asserted
            Map<String, Long> firstV2 = new TreeMap<>();
            for (ConsumerRecord<String, Explanation> record : out) {
                if (record.value().getModelVersion() == 2) {
                    firstV2.merge(
                            instance(record.value()),
                            record.value().getExplainedAt().toEpochMilli(),
                            Math::min);
                }
            }
            assertThat(firstV2).containsOnlyKeys(INSTANCES);
            long lastFirstV2 =
                    firstV2.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            long firstFirstV2 =
                    firstV2.values().stream().mapToLong(Long::longValue).min().orElseThrow();
            String figures = String.format(
                    "SwapConvergenceTest: 2 instances, %d images/s, times from the announcement record's timestamp:"
                            + " SERVING v2 decided by a after %d ms, by b after %d ms (%d ms apart; swapMs a %d, b %d);"
                            + " first v2 explanation of a after %d ms, of b after %d ms (%d ms apart), so the last"
                            + " instance's first v2 explanation %d ms after the announcement;"
                            + " REFUSED v3 decided by a after %d ms, by b after %d ms;"
                            + " %d streamed images (and the %d sent after the refusal) born after both decisions, all"
                            + " explained by v2; partitions %s",
                    PER_SECOND,
                    decidedAfter(serving.get("a"), announcedAt),
                    decidedAfter(serving.get("b"), announcedAt),
                    spread(serving),
                    serving.get("a").getSwapMs(),
                    serving.get("b").getSwapMs(),
                    firstV2.get("a") - announcedAt,
                    firstV2.get("b") - announcedAt,
                    lastFirstV2 - firstFirstV2,
                    lastFirstV2 - announcedAt,
                    decidedAfter(refused.get("a"), v3AnnouncedAt),
                    decidedAfter(refused.get("b"), v3AnnouncedAt),
                    streamedAfterConvergence,
                    AFTER_REFUSAL,
                    owned);
            LOG.info(figures);
            System.out.println(figures);
        }
    }

    /** The timestamp of the {@code n}th record on the models topic: when its producer sent the announcement. */
    private static long announcementTime(Topics topics, int n) {
        List<ConsumerRecord<String, byte[]>> read = KafkaTestClients.readCommitted(
                pipeline.stack().bootstrapServers(), topics.models(), r -> r.size() >= n, WAIT);
        assertThat(read).hasSize(n);
        return read.get(n - 1).timestamp();
    }

    private static long decidedAfter(ModelServingStatus status, long announcedAt) {
        return status.getTime().toEpochMilli() - announcedAt;
    }

    private static long spread(Map<String, ModelServingStatus> statuses) {
        LongSummaryStatistics times = statuses.values().stream()
                .mapToLong(s -> s.getTime().toEpochMilli())
                .summaryStatistics();
        return times.getMax() - times.getMin();
    }

    /** Waits until every instance has active tasks on the images topic and together they own all its partitions. */
    private static void awaitSharedAssignment(List<StreamExplainerApp> apps, String images)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Set<Integer> all = new HashSet<>();
            boolean each = true;
            for (StreamExplainerApp app : apps) {
                Set<Integer> own = partitions(app, images);
                each &= !own.isEmpty() && app.state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING;
                all.addAll(own);
            }
            if (each && all.size() == 6) {
                return;
            }
            Thread.sleep(100); // polling the assignment, bounded by the deadline
        }
        throw new AssertionError("the instances did not share the 6 image partitions within " + WAIT);
    }

    private static Set<Integer> partitions(StreamExplainerApp app, String images) {
        return app.streams().metadataForLocalThreads().stream()
                .map(ThreadMetadata::activeTasks)
                .flatMap(Set::stream)
                .map(TaskMetadata::topicPartitions)
                .flatMap(Set::stream)
                .filter(tp -> tp.topic().equals(images))
                .map(org.apache.kafka.common.TopicPartition::partition)
                .collect(Collectors.toSet());
    }

    /** The latest primary status of each instance that matches {@code which}, once every instance has one. */
    private static Map<String, ModelServingStatus> awaitOnePerInstance(Predicate<ModelServingStatus> which) {
        List<ModelServingStatus> read = SwapFixtures.statuses(
                pipeline.stack().bootstrapServers(),
                pipeline.registry(),
                STATUS_TOPIC,
                r -> byInstance(r, which).keySet().containsAll(INSTANCES),
                WAIT);
        Map<String, ModelServingStatus> latest = byInstance(read, which);
        assertThat(latest).as("statuses %s", read).containsOnlyKeys(INSTANCES);
        return latest;
    }

    private static Map<String, ModelServingStatus> byInstance(
            List<ModelServingStatus> statuses, Predicate<ModelServingStatus> which) {
        Map<String, ModelServingStatus> latest = new TreeMap<>();
        for (ModelServingStatus s : statuses) {
            if (s.getApplication().equals(APPLICATION) && s.getRole() == ModelRole.PRIMARY && which.test(s)) {
                latest.put(s.getInstance(), s);
            }
        }
        return latest;
    }

    private static Set<String> instances(List<ConsumerRecord<String, Explanation>> read) {
        return read.stream().map(r -> instance(r.value())).collect(Collectors.toSet());
    }

    /** The instance id in an explanation's {@code explainerInstance} ("application/instance"). */
    private static String instance(Explanation e) {
        String explainer = e.getExplainerInstance();
        return explainer.substring(explainer.lastIndexOf('/') + 1);
    }
}
