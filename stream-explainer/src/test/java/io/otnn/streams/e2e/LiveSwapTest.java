package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.avro.ModelCheckpoint;
import io.otnn.avro.ModelRole;
import io.otnn.avro.ModelServingStatus;
import io.otnn.avro.ServingState;
import io.otnn.explain.testing.Fixtures;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.drift.DriftReferences;
import io.otnn.streams.models.FollowSpec;
import io.otnn.streams.models.ModelFollower;
import io.otnn.streams.monitoring.ExplainerMeters;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.KafkaTestClients;
import io.otnn.streams.testing.PacedSender;
import io.otnn.streams.testing.SwapFixtures;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live swap on the real broker, registry and engine: the explainer follows {@code fixture-dense} on its models
 * topic while images stream, and swaps, refuses or rolls back as checkpoints are announced. One local stack for the
 * class; each test has its own topics and application id.
 */
class LiveSwapTest {

    private static final Logger LOG = LoggerFactory.getLogger(LiveSwapTest.class);

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withoutEngine();

    @TempDir
    Path work;

    private Map<String, Object> props(String name) {
        Map<String, Object> props =
                pipeline.explainerProps("live-swap-" + name, "swap-" + name + "-", work.resolve("state"));
        props.put(ExplainerConfig.MODEL_CACHE_DIR_CONFIG, work.resolve("cache").toString());
        props.put(ExplainerConfig.INSTANCE_ID_CONFIG, "test-" + name);
        props.put(ExplainerConfig.TOPIC_MODELS_STATUS_CONFIG, "swap-" + name + "-models.status");
        return props;
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

    private List<ModelServingStatus> awaitStatuses(StreamExplainerApp app, int count) {
        List<ModelServingStatus> statuses = SwapFixtures.statuses(
                pipeline.stack().bootstrapServers(),
                pipeline.registry(),
                (String) app.config()
                        .originals()
                        .getOrDefault(
                                ExplainerConfig.TOPIC_MODELS_STATUS_CONFIG, ExplainerConfig.DEFAULT_MODELS_STATUS),
                read -> read.size() >= count,
                Duration.ofSeconds(120));
        assertThat(statuses).as("serving statuses").hasSizeGreaterThanOrEqualTo(count);
        return statuses;
    }

    /** Sends {@code n} images and returns the model version of each one's explanation, once all are committed. */
    private Map<String, Integer> explain(StreamExplainerApp app, String idPrefix, int n, long seed) throws Exception {
        Set<String> ids = KafkaTestClients.sendRandomImages(
                        pipeline.stack().bootstrapServers(),
                        pipeline.format(),
                        app.topics().images().name(),
                        n,
                        idPrefix + "-%04d",
                        new Random(seed),
                        false)
                .keySet();
        List<ConsumerRecord<String, Explanation>> read = KafkaTestClients.readCommitted(
                pipeline.stack().bootstrapServers(),
                app.topics().explanations(),
                r -> r.stream().map(ConsumerRecord::key).filter(ids::contains).count() >= n,
                Duration.ofSeconds(120));
        Map<String, Integer> versions = new HashMap<>();
        for (ConsumerRecord<String, Explanation> record : read) {
            if (ids.contains(record.key())) {
                assertThat(versions.put(record.key(), record.value().getModelVersion()))
                        .as("explanations of %s", record.key())
                        .isNull();
            }
        }
        assertThat(versions.keySet()).isEqualTo(ids);
        return versions;
    }

    @Test
    void shouldExplainEachImageOnceWithVersionsNeverGoingBackPerPartitionWhenANewVersionIsAnnouncedUnderLoad()
            throws Exception {
        int images = 5_000;
        Map<String, Object> props = props("load");
        props.put(ExplainerConfig.MODEL_CONFIG, Fixtures.denseMnist().toString());
        props.put(ExplainerConfig.METRICS_WINDOW_MS_CONFIG, "2000");
        // long enough that no figure of a loaded machine arrives after its window closed (late figures are dropped,
        // and the windows are compared with the explanations below)
        props.put(ExplainerConfig.METRICS_GRACE_MS_CONFIG, "10000");
        Path v2 = SwapFixtures.dense(2);
        try (StreamExplainerApp app = start(props)) {
            String bootstrap = pipeline.stack().bootstrapServers();
            PacedSender sender = PacedSender.start(
                    bootstrap, pipeline.format(), app.topics().images().name(), images, 600, "load-%05d", 11);
            KafkaTestClients.readCommitted(
                    bootstrap, app.topics().explanations(), r -> r.size() >= 1_500, Duration.ofSeconds(120));
            long announcedAt = System.currentTimeMillis();
            announce(app, SwapFixtures.event(v2));
            Set<String> sent = sender.await(180, TimeUnit.SECONDS).keySet();
            List<ConsumerRecord<String, Explanation>> out = KafkaTestClients.readCommitted(
                    bootstrap,
                    app.topics().explanations(),
                    r -> r.size() >= images,
                    Duration.ofSeconds(180),
                    Duration.ofSeconds(3));

            Map<String, Long> perKey =
                    out.stream().collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
            assertThat(out).hasSize(images);
            assertThat(perKey.keySet()).isEqualTo(sent);
            assertThat(perKey.values()).containsOnly(1L);

            // per input partition, in offset order, the version never goes back
            Map<Integer, TreeMap<Long, Integer>> byPartition = new TreeMap<>();
            for (ConsumerRecord<String, Explanation> record : out) {
                String[] source = source(record).split(":");
                byPartition
                        .computeIfAbsent(Integer.parseInt(source[source.length - 2]), p -> new TreeMap<>())
                        .put(
                                Long.parseLong(source[source.length - 1]),
                                record.value().getModelVersion());
            }
            assertThat(byPartition).hasSize(6);
            for (var partition : byPartition.entrySet()) {
                int before = 0;
                for (int version : partition.getValue().values()) {
                    assertThat(version).as("partition %d", partition.getKey()).isGreaterThanOrEqualTo(before);
                    before = version;
                }
            }
            Map<Integer, Long> perVersion = out.stream()
                    .collect(Collectors.groupingBy(
                            r -> r.value().getModelVersion(), TreeMap::new, Collectors.counting()));
            assertThat(perVersion.keySet()).containsExactly(1, 2);

            List<Explanation> byTime = out.stream()
                    .map(ConsumerRecord::value)
                    .sorted(Comparator.comparing(Explanation::getExplainedAt))
                    .toList();
            long firstV2 = byTime.stream()
                    .filter(e -> e.getModelVersion() == 2)
                    .findFirst()
                    .orElseThrow()
                    .getExplainedAt()
                    .toEpochMilli();
            long longest = 0;
            long longestDuringSwap = 0;
            for (int i = 1; i < byTime.size(); i++) {
                long at = byTime.get(i).getExplainedAt().toEpochMilli();
                long gap = at - byTime.get(i - 1).getExplainedAt().toEpochMilli();
                longest = Math.max(longest, gap);
                if (at >= announcedAt && byTime.get(i - 1).getExplainedAt().toEpochMilli() <= firstV2 + 1_000) {
                    longestDuringSwap = Math.max(longestDuringSwap, gap);
                }
            }
            List<ModelServingStatus> statuses = awaitStatuses(app, 1);
            ModelServingStatus serving = statuses.get(statuses.size() - 1);
            assertThat(serving.getState()).isEqualTo(ServingState.SERVING);
            assertThat(serving.getModelVersion()).isEqualTo(2);
            assertThat(serving.getRole()).isEqualTo(ModelRole.PRIMARY);
            assertThat(serving.getSwapMs()).isNotNull().isPositive();
            LOG.info(
                    "Swap under load: {} explanations ({} by v1, {} by v2); announcement → first v2 explanation {} ms "
                            + "(swapMs {}); longest gap between two consecutive explanations during the swap {} ms, "
                            + "over the run {} ms",
                    out.size(),
                    perVersion.get(1),
                    perVersion.get(2),
                    firstV2 - announcedAt,
                    serving.getSwapMs(),
                    longestDuringSwap,
                    longest);
            System.out.printf(
                    "LiveSwapTest: announcement -> first v2 explanation %d ms, longest gap during the swap %d ms%n",
                    firstV2 - announcedAt, longestDuringSwap);

            // the metric windows count each version's own explanations, never another's
            List<ConsumerRecord<String, ExplanationMetrics>> windows = KafkaTestClients.readCommitted(
                    bootstrap,
                    app.topics().metrics(),
                    r -> explainedPerVersion(r).equals(perVersion),
                    Duration.ofSeconds(90));
            assertThat(explainedPerVersion(windows)).isEqualTo(perVersion);
        }
    }

    private static Map<Integer, Long> explainedPerVersion(List<ConsumerRecord<String, ExplanationMetrics>> windows) {
        Map<Integer, Long> counts = new TreeMap<>();
        for (ConsumerRecord<String, ExplanationMetrics> w : windows) {
            assertThat(w.key()).endsWith("@" + w.value().getModelVersion());
            counts.merge(w.value().getModelVersion(), w.value().getExplainedCount(), Long::sum);
        }
        return counts;
    }

    private static String source(ConsumerRecord<?, ?> record) {
        Header header = record.headers().lastHeader("otnn.source");
        assertThat(header).as("otnn.source header").isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldKeepTheServingVersionAndPublishEachRefusalWhenCheckpointsAreTamperedMisshapenMisdigestedOrUnreachable()
            throws Exception {
        Map<String, Object> props = props("refusals");
        props.put(ExplainerConfig.MODEL_CONFIG, Fixtures.denseMnist().toString());
        props.put(ExplainerConfig.MODEL_FETCH_CONNECT_TIMEOUT_MS_CONFIG, "2000");
        props.put(ExplainerConfig.HTTP_PORT_CONFIG, 0);
        try (StreamExplainerApp app = start(props)) {
            assertThat(explain(app, "before", 40, 1).values()).containsOnly(1);
            assertThat(primaryMetric(app, "otnn_model_serving_version")).isEqualTo(1.0);
            assertThat(primaryMetric(app, "otnn_model_refusals_total")).isNaN();

            // tampered: one byte of variables/ changed after the announcement was made (its digest is the original's)
            Path tampered = Fixtures.copy(SwapFixtures.dense(2), work.resolve("tampered-v2"));
            ModelCheckpoint tamperedEvent = SwapFixtures.event(tampered);
            SwapFixtures.tamperVariables(tampered);
            announce(app, tamperedEvent);
            ModelServingStatus refusal = awaitStatuses(app, 1).get(0);
            assertThat(refusal.getState()).isEqualTo(ServingState.REFUSED);
            assertThat(refusal.getModelVersion()).isEqualTo(2);
            assertThat(refusal.getServingVersion()).isEqualTo(1);
            assertThat(refusal.getReason()).contains("variables").contains("SHA-256");
            assertThat(explain(app, "after-tampered", 40, 2).values()).containsOnly(1);

            // wrong shape
            announce(app, SwapFixtures.event(SwapFixtures.wrongShape(3)));
            refusal = awaitStatuses(app, 2).get(1);
            assertThat(refusal.getState()).isEqualTo(ServingState.REFUSED);
            assertThat(refusal.getModelVersion()).isEqualTo(3);
            assertThat(refusal.getReason())
                    .isEqualTo("wrong input shape [6, 5, 2]: the serving model takes [28, 28, 1]");

            // digest mismatch: the announcement names another manifest
            ModelCheckpoint misdigested = SwapFixtures.event(SwapFixtures.dense(4));
            misdigested.setManifestDigest("0".repeat(64));
            announce(app, misdigested);
            refusal = awaitStatuses(app, 3).get(2);
            assertThat(refusal.getState()).isEqualTo(ServingState.REFUSED);
            assertThat(refusal.getReason()).contains("manifest digest").contains("0".repeat(64));

            // unreachable URI
            int closedPort;
            try (ServerSocket socket = new ServerSocket(0)) {
                closedPort = socket.getLocalPort();
            }
            announce(
                    app,
                    SwapFixtures.event(
                            SwapFixtures.dense(5),
                            "http://127.0.0.1:" + closedPort + "/models/" + SwapFixtures.NAME + "/5.tar.gz"));
            refusal = awaitStatuses(app, 4).get(3);
            assertThat(refusal.getState()).isEqualTo(ServingState.REFUSED);
            assertThat(refusal.getModelVersion()).isEqualTo(5);
            assertThat(refusal.getReason()).contains("cannot fetch").contains(String.valueOf(closedPort));

            assertThat(explain(app, "after-refusals", 40, 3).values()).containsOnly(1);
            assertThat(app.modelFollower()
                            .orElseThrow()
                            .slot()
                            .servingModel()
                            .orElseThrow()
                            .version())
                    .isEqualTo(1);
            assertThat(primaryMetric(app, "otnn_model_refusals_total")).isEqualTo(4.0);
            assertThat(primaryMetric(app, "otnn_model_serving_version")).isEqualTo(1.0);

            // the same classes follow a shadow slot; pinned to the wrong-shape v3, it is refused against the primary's
            // contract although the shadow serves nothing yet
            try (ModelFollower shadow = ModelFollower.create(
                    app.config(),
                    FollowSpec.shadow(SwapFixtures.NAME, 3),
                    null,
                    true,
                    new DriftReferences(),
                    ExplainerMeters.NONE,
                    app.servedModel())) {
                shadow.start();
                assertThat(shadow.awaitServing(Duration.ofSeconds(60))).isFalse();
                assertThat(shadow.lastRefusal()).get().asString().contains("wrong input shape [6, 5, 2]");
                ModelServingStatus status = awaitStatuses(app, 5).get(4);
                assertThat(status.getRole()).isEqualTo(ModelRole.SHADOW);
                assertThat(status.getState()).isEqualTo(ServingState.REFUSED);
                assertThat(status.getServingVersion()).isNull();
            }
        }
    }

    /** The value of {@code name}{role="PRIMARY"} on the app's /metrics, NaN when absent. */
    private static double primaryMetric(StreamExplainerApp app, String name) throws Exception {
        java.net.URI url = app.monitoring().url().orElseThrow().resolve("/metrics");
        String scrape = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(url).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        return scrape.lines()
                .filter(line -> line.startsWith(name + "{") && line.contains("role=\"PRIMARY\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElse(Double.NaN);
    }

    @Test
    void shouldGiveUpInOneLineWhenNoCheckpointOfTheFollowedNameIsAcceptedWithinTheStartupTimeout() {
        Map<String, Object> props = props("none");
        props.put(ExplainerConfig.MODEL_NAME_CONFIG, "never-announced");
        props.put(ExplainerConfig.STARTUP_TIMEOUT_MS_CONFIG, "3000");
        StreamExplainerApp app =
                StreamExplainerApp.builder().setProperties(props).build();
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(app::start)
                    .isInstanceOf(io.otnn.streams.startup.StartupException.class)
                    .hasMessage("gave up waiting for a checkpoint of model never-announced on swap-none-models after"
                            + " 3 s (startup.timeout.ms=3000): none announced and accepted");
        } finally {
            app.close();
        }
    }

    @Test
    void shouldRollBackWhenAnOlderVersionIsAnnouncedAndWhenTheVersionIsPinned() throws Exception {
        Map<String, Object> props = props("rollback");
        props.put(ExplainerConfig.MODEL_CONFIG, Fixtures.denseMnist().toString());
        try (SwapFixtures.Store store = new SwapFixtures.Store()) {
            String uri = store.serve(SwapFixtures.dense(2), null);
            try (StreamExplainerApp app = start(props)) {
                // v2 over http, from the store with the digest header
                announce(app, SwapFixtures.event(SwapFixtures.dense(2), uri));
                ModelServingStatus serving = awaitStatuses(app, 1).get(0);
                assertThat(serving.getState())
                        .as(String.valueOf(serving.getReason()))
                        .isEqualTo(ServingState.SERVING);
                assertThat(serving.getModelVersion()).isEqualTo(2);
                assertThat(explain(app, "v2", 40, 4).values()).containsOnly(2);

                // announcing v1 again rolls back
                announce(app, SwapFixtures.event(Fixtures.denseMnist()));
                serving = awaitStatuses(app, 2).get(1);
                assertThat(serving.getState()).isEqualTo(ServingState.SERVING);
                assertThat(serving.getModelVersion()).isEqualTo(1);
                assertThat(explain(app, "rolled-back", 40, 5).values()).containsOnly(1);

                // and v2 once more: from the cache, no second download
                announce(app, SwapFixtures.event(SwapFixtures.dense(2), uri));
                assertThat(awaitStatuses(app, 3).get(2).getModelVersion()).isEqualTo(2);
                assertThat(store.requests()).isEqualTo(1);
            }

            // a pin: a new instance with only model.name and model.version=1 serves v1 though v2 is the latest
            Map<String, Object> pinned = props("rollback");
            pinned.put(ExplainerConfig.APPLICATION_ID_CONFIG, "live-swap-pinned");
            pinned.put(ExplainerConfig.TOPIC_EXPLANATIONS_CONFIG, "swap-pinned-explanations");
            pinned.put(ExplainerConfig.MODEL_NAME_CONFIG, SwapFixtures.NAME);
            pinned.put(ExplainerConfig.MODEL_VERSION_CONFIG, "1");
            try (StreamExplainerApp app = start(pinned)) {
                assertThat(app.servedModel().current().engine().model().version())
                        .isEqualTo(1);
                List<Integer> versions =
                        new ArrayList<>(explain(app, "pinned", 40, 6).values());
                assertThat(versions).containsOnly(1);
            }
        }
    }
}
