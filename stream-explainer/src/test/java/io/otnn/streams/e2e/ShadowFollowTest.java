package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationComparison;
import io.otnn.avro.ModelCheckpoint;
import io.otnn.avro.ModelRole;
import io.otnn.avro.ModelServingStatus;
import io.otnn.avro.ServingState;
import io.otnn.explain.testing.Fixtures;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.shadow.ShadowCounters;
import io.otnn.streams.shadow.ShadowTopics;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.KafkaTestClients;
import io.otnn.streams.testing.SwapFixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
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

/**
 * The followed shadow on the real broker, registry and TensorFlow: the primary serves explain-core's dense fixture
 * ({@code model}), {@code model.shadow.name} names {@code fixture-dense-other}, whose versions are announced on the
 * models topic while images stream. The shadow compares nothing before its first checkpoint, then each accepted
 * version in turn, keeps its version when a misshapen one is announced, and serves a pinned older one.
 */
class ShadowFollowTest {

    private static final String SHADOW_NAME = "fixture-dense-other";
    private static final long WINDOW_MS = 2_000;
    // room for a loaded machine: every batch's figures reach their window before it closes (none late)
    private static final long GRACE_MS = 8_000;

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withoutEngine();

    @TempDir
    Path work;

    private Map<String, Object> props(String name, String models) {
        Map<String, Object> props =
                pipeline.explainerProps("shadow-follow-" + name, "follow-" + name + "-", work.resolve("state"));
        props.put(
                ExplainerConfig.MODEL_CACHE_DIR_CONFIG,
                work.resolve("cache-" + name).toString());
        props.put(ExplainerConfig.INSTANCE_ID_CONFIG, "test-" + name);
        props.put(ExplainerConfig.TOPIC_MODELS_CONFIG, models);
        props.put(ExplainerConfig.TOPIC_MODELS_STATUS_CONFIG, models + ".status");
        props.put(ExplainerConfig.TOPIC_EXPLANATIONS_SHADOW_CONFIG, "follow-" + name + "-shadow");
        props.put(ExplainerConfig.TOPIC_METRICS_COMPARISON_CONFIG, "follow-" + name + "-comparison");
        props.put(ExplainerConfig.METRICS_WINDOW_MS_CONFIG, WINDOW_MS);
        props.put(ExplainerConfig.METRICS_GRACE_MS_CONFIG, GRACE_MS);
        props.put(ExplainerConfig.FIDELITY_SAMPLE_RATE_CONFIG, 0.0);
        props.put(ExplainerConfig.MODEL_CONFIG, Fixtures.denseMnist().toString());
        props.put(ExplainerConfig.MODEL_SHADOW_NAME_CONFIG, SHADOW_NAME);
        return props;
    }

    @Test
    void shouldCompareWithEachAcceptedVersionOfTheShadowNameAndKeepItWhenAMisshapenOneIsAnnouncedWhenTheShadowFollows()
            throws Exception {
        String bootstrap = pipeline.stack().bootstrapServers();
        Map<String, Object> props = props("run", "follow-run-models");
        Map<Integer, Integer> sentPerPhase = new TreeMap<>();
        Set<String> allSent = new HashSet<>();
        try (StreamExplainerApp app = start(props)) {
            ShadowTopics shadowTopics = app.shadowTopics().orElseThrow();
            ShadowCounters counters = app.shadowCounters().orElseThrow();
            assertThat(app.shadowFollower()).isPresent();
            assertThat(app.shadowFollower().orElseThrow().slot().serving()).isFalse();

            // (1) nothing of the shadow name announced: the primary explains, nothing is compared, nothing fails
            Set<String> before = send(app, "before", 60, 1);
            allSent.addAll(before);
            assertThat(primaryExplanations(app, allSent).keySet()).containsAll(before);
            assertThat(counters.explainedCount()).isZero();
            assertThat(counters.failedCount()).isZero();

            // (2) v1 of the shadow name: a checkpoint of the same input with other weights
            announce(app, SwapFixtures.event(Fixtures.denseMnistOther()));
            ModelServingStatus v1 = awaitShadowStatuses(app, 1).get(0);
            assertThat(v1.getState()).as(String.valueOf(v1.getReason())).isEqualTo(ServingState.SERVING);
            assertThat(v1.getModelName()).isEqualTo(SHADOW_NAME);
            assertThat(v1.getModelVersion()).isEqualTo(1);
            assertThat(v1.getServingVersion()).isEqualTo(1);
            Set<String> underV1 = send(app, "v1", 80, 2);
            allSent.addAll(underV1);
            sentPerPhase.put(1, underV1.size());
            assertThat(shadowVersions(shadowTopics, underV1)).containsOnly(1);

            // (3) v2 of the shadow name: later comparisons pair the primary with v2
            announce(app, SwapFixtures.event(SwapFixtures.dense(SHADOW_NAME, 2)));
            ModelServingStatus v2 = awaitShadowStatuses(app, 2).get(1);
            assertThat(v2.getState()).as(String.valueOf(v2.getReason())).isEqualTo(ServingState.SERVING);
            assertThat(v2.getModelVersion()).isEqualTo(2);
            assertThat(v2.getServingVersion()).isEqualTo(2);
            Set<String> underV2 = send(app, "v2", 80, 3);
            allSent.addAll(underV2);
            assertThat(shadowVersions(shadowTopics, underV2)).containsOnly(2);

            // (4) a checkpoint of the shadow name on another input: refused against the primary's; v2 keeps serving
            announce(app, SwapFixtures.event(SwapFixtures.wrongShape(SHADOW_NAME, 3)));
            ModelServingStatus refused = awaitShadowStatuses(app, 3).get(2);
            assertThat(refused.getState()).isEqualTo(ServingState.REFUSED);
            assertThat(refused.getModelVersion()).isEqualTo(3);
            assertThat(refused.getServingVersion()).isEqualTo(2);
            assertThat(refused.getReason()).contains("wrong input shape [6, 5, 2]");
            Set<String> afterRefusal = send(app, "refused", 40, 4);
            allSent.addAll(afterRefusal);
            assertThat(shadowVersions(shadowTopics, afterRefusal)).containsOnly(2);
            sentPerPhase.put(2, underV2.size() + afterRefusal.size());

            // every primary explanation exactly once, by the primary, whatever the shadow did
            Map<String, Explanation> primaries = primaryExplanations(app, allSent);
            assertThat(primaries.keySet()).isEqualTo(allSent);
            assertThat(primaries.values()).allSatisfy(e -> {
                assertThat(e.getModelName()).isEqualTo(SwapFixtures.NAME);
                assertThat(e.getModelVersion()).isEqualTo(1);
            });
            List<ConsumerRecord<String, DeadLetter>> deadLetters = KafkaTestClients.readCommitted(
                    bootstrap, app.topics().deadLetters(), read -> false, Duration.ofSeconds(1));
            assertThat(deadLetters).isEmpty();

            // the images of (1) were never compared: the shadow explained exactly the images sent once it served
            List<ConsumerRecord<String, Explanation>> shadowOut = KafkaTestClients.readCommitted(
                    bootstrap, shadowTopics.explanations(), read -> false, Duration.ofSeconds(2));
            Set<String> shadowIds = shadowOut.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
            assertThat(shadowOut).hasSize(shadowIds.size());
            assertThat(shadowIds).doesNotContainAnyElementsOf(before);
            assertThat(shadowIds).hasSize(allSent.size() - before.size());
            assertThat(counters.failedCount()).isZero();
            assertThat(counters.lateCount())
                    .as("compared images that reached a closed window")
                    .isZero();

            // the comparison windows: per shadow version, the images compared by it; each key pairs the two
            Map<Integer, Long> comparedPerVersion = comparedPerVersion(comparisons(shadowTopics, shadowIds.size()));
            assertThat(comparedPerVersion)
                    .isEqualTo(Map.of(1, (long) sentPerPhase.get(1), 2, (long) sentPerPhase.get(2)));
        }

        // model.shadow.version pins the shadow to v1 although v2 (and the refused v3) came later
        Map<String, Object> pinned = props("pinned", "follow-run-models");
        pinned.put(ExplainerConfig.MODEL_SHADOW_VERSION_CONFIG, "1");
        try (StreamExplainerApp app = start(pinned)) {
            assertThat(app.shadowFollower()
                            .orElseThrow()
                            .slot()
                            .servingModel()
                            .orElseThrow()
                            .version())
                    .isEqualTo(1);
            Set<String> sent = send(app, "pinned", 40, 5);
            assertThat(primaryExplanations(app, sent).keySet()).isEqualTo(sent);
            assertThat(shadowVersions(app.shadowTopics().orElseThrow(), sent)).containsOnly(1);
            List<ModelServingStatus> statuses = awaitShadowStatuses(app, 4);
            ModelServingStatus mine = statuses.stream()
                    .filter(s -> s.getApplication().equals("shadow-follow-pinned"))
                    .reduce((a, b) -> b)
                    .orElseThrow();
            assertThat(mine.getState()).isEqualTo(ServingState.SERVING);
            assertThat(mine.getModelVersion()).isEqualTo(1);
            assertThat(comparedPerVersion(comparisons(app.shadowTopics().orElseThrow(), sent.size())))
                    .isEqualTo(Map.of(1, (long) sent.size()));
        }
    }

    private StreamExplainerApp start(Map<String, Object> props) throws InterruptedException {
        StreamExplainerApp app =
                StreamExplainerApp.builder().setProperties(props).build().start();
        assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
        return app;
    }

    private void announce(StreamExplainerApp app, ModelCheckpoint event) throws Exception {
        SwapFixtures.announce(
                pipeline.stack().bootstrapServers(),
                pipeline.registry(),
                app.topics().models().name(),
                event);
    }

    /** The SHADOW statuses on the app's status topic once there are {@code count}, in order. */
    private List<ModelServingStatus> awaitShadowStatuses(StreamExplainerApp app, int count) {
        List<ModelServingStatus> statuses = SwapFixtures.statuses(
                        pipeline.stack().bootstrapServers(),
                        pipeline.registry(),
                        (String) app.config().originals().get(ExplainerConfig.TOPIC_MODELS_STATUS_CONFIG),
                        read -> read.stream()
                                        .filter(s -> s.getRole() == ModelRole.SHADOW)
                                        .count()
                                >= count,
                        Duration.ofSeconds(120))
                .stream()
                .filter(s -> s.getRole() == ModelRole.SHADOW)
                .toList();
        assertThat(statuses).as("shadow serving statuses").hasSizeGreaterThanOrEqualTo(count);
        return statuses;
    }

    private Set<String> send(StreamExplainerApp app, String prefix, int n, long seed) throws Exception {
        return KafkaTestClients.sendRandomImages(
                        pipeline.stack().bootstrapServers(),
                        pipeline.format(),
                        app.topics().images().name(),
                        n,
                        prefix + "-%04d",
                        new Random(seed),
                        true)
                .keySet();
    }

    /** The primary explanations (read_committed) once all of {@code ids} are there; none twice. */
    private Map<String, Explanation> primaryExplanations(StreamExplainerApp app, Set<String> ids) {
        List<ConsumerRecord<String, Explanation>> read = KafkaTestClients.readCommitted(
                pipeline.stack().bootstrapServers(),
                app.topics().explanations(),
                r -> r.stream().map(ConsumerRecord::key).filter(ids::contains).count() >= ids.size(),
                Duration.ofSeconds(120),
                Duration.ofSeconds(1));
        Map<String, Explanation> byId = new HashMap<>();
        for (ConsumerRecord<String, Explanation> record : read) {
            assertThat(byId.put(record.key(), record.value()))
                    .as("a second explanation of %s", record.key())
                    .isNull();
        }
        return byId;
    }

    /** The version of each shadow explanation of {@code ids}, once every one of them has one. */
    private List<Integer> shadowVersions(ShadowTopics topics, Set<String> ids) {
        List<ConsumerRecord<String, Explanation>> read = KafkaTestClients.readCommitted(
                pipeline.stack().bootstrapServers(),
                topics.explanations(),
                r -> r.stream().map(ConsumerRecord::key).filter(ids::contains).count() >= ids.size(),
                Duration.ofSeconds(120));
        List<ConsumerRecord<String, Explanation>> ours =
                read.stream().filter(r -> ids.contains(r.key())).toList();
        assertThat(ours).hasSize(ids.size());
        assertThat(ours).allSatisfy(r -> assertThat(r.value().getModelName()).isEqualTo(SHADOW_NAME));
        return ours.stream().map(r -> r.value().getModelVersion()).toList();
    }

    /** The comparison records once they have counted {@code compared} images; by key, none twice. */
    private Map<String, ExplanationComparison> comparisons(ShadowTopics topics, long compared) {
        List<ConsumerRecord<String, ExplanationComparison>> out = KafkaTestClients.readCommitted(
                pipeline.stack().bootstrapServers(),
                topics.comparisons(),
                read -> read.stream()
                                .mapToLong(r -> r.value().getComparedCount())
                                .sum()
                        >= compared,
                Duration.ofSeconds(90),
                Duration.ofSeconds(1));
        Map<String, ExplanationComparison> byKey = new TreeMap<>();
        for (ConsumerRecord<String, ExplanationComparison> record : out) {
            assertThat(byKey.put(record.key(), record.value()))
                    .as("a second comparison for %s", record.key())
                    .isNull();
        }
        return byKey;
    }

    /** Images compared per shadow version; each record's key names the pair it compares. */
    private static Map<Integer, Long> comparedPerVersion(Map<String, ExplanationComparison> comparisons) {
        Map<Integer, Long> compared = new TreeMap<>();
        comparisons.forEach((key, c) -> {
            assertThat(c.getPrimaryModelName()).isEqualTo(SwapFixtures.NAME);
            assertThat(c.getPrimaryModelVersion()).isEqualTo(1);
            assertThat(c.getShadowModelName()).isEqualTo(SHADOW_NAME);
            assertThat(key).endsWith("/" + SwapFixtures.NAME + "@1|" + SHADOW_NAME + "@" + c.getShadowModelVersion());
            compared.merge(c.getShadowModelVersion(), c.getComparedCount(), Long::sum);
        });
        return compared;
    }
}
