package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationComparison;
import io.otnn.avro.QuantileValue;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.input.ImageDecoder;
import io.otnn.explain.testing.Fixtures;
import io.otnn.local.LocalStack;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.Topics;
import io.otnn.streams.explaining.OtnnEngine;
import io.otnn.streams.explaining.ServedModel;
import io.otnn.streams.metrics.MetricsKeys;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.shadow.ShadowCounters;
import io.otnn.streams.shadow.ShadowTopics;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.FaultInjectingEngine;
import io.otnn.streams.testing.KafkaTestClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shadow model on a real broker, registry and TensorFlow: the primary is explain-core's dense fixture, the shadow
 * a second checkpoint of the same shape with other weights. Every figure of the comparison windows is computed again
 * here, directly through explain-core and with independent formulas.
 */
class ShadowModelTest {

    private static final long WINDOW_MS = 4_000;
    private static final long GRACE_MS = 10_000;
    private static final String PRIMARY = "fixture-dense@1";
    private static final String SHADOW = "fixture-dense-other@1";

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withEngine();

    private static LocalStack stack;
    private static OtnnEngine primary;
    private static OtnnEngine shadow;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void loadModels() {
        stack = pipeline.stack();
        primary = pipeline.engine();
        shadow = OtnnEngine.load(Fixtures.denseMnistOther());
    }

    @AfterAll
    static void closeShadow() {
        if (shadow != null) {
            shadow.close();
        }
    }

    @Test
    void shouldPublishComparisonsMatchingADirectComputationWhenTwoDifferentCheckpointsExplainTheSameImages()
            throws Exception {
        int images = 300;
        Map<String, Object> props = props("shadow-cmp");
        // the shadow as otnn explain configures it: a checkpoint path, loaded (and closed) by the app
        props.put(
                ExplainerConfig.MODEL_SHADOW_CONFIG, Fixtures.denseMnistOther().toString());
        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(primary)
                .build()
                .start()) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            Map<String, ImageInput> sent = send(app, images, 2026);
            ShadowTopics shadowTopics = app.shadowTopics().orElseThrow();

            Map<String, Explanation> explanations =
                    exactlyOnePerImage(app.topics().explanations().name(), app, sent);
            List<ConsumerRecord<String, Explanation>> shadowOut = KafkaTestClients.readCommitted(
                    stack.bootstrapServers(),
                    shadowTopics.explanations(),
                    read -> read.size() >= images,
                    Duration.ofSeconds(120),
                    Duration.ofSeconds(2));
            assertThat(shadowOut).hasSize(images);
            Map<String, ConsumerRecord<String, Explanation>> shadowById =
                    shadowOut.stream().collect(Collectors.toMap(ConsumerRecord::key, r -> r));
            assertThat(shadowById.keySet()).isEqualTo(sent.keySet());

            // each shadow explanation is what the shadow model gives for that image, explained directly
            List<String> ids = new ArrayList<>(sent.keySet());
            List<ImageExplanation> direct = explainDirectly(shadow, sent, ids);
            List<ImageExplanation> directPrimary = explainDirectly(primary, sent, ids);
            for (int i = 0; i < ids.size(); i++) {
                Explanation e = shadowById.get(ids.get(i)).value();
                assertThat(e.getImageId()).isEqualTo(ids.get(i));
                assertThat(e.getModelName()).isEqualTo("fixture-dense-other");
                assertThat(e.getModelVersion()).isEqualTo(1);
                assertThat(e.getPredictedClass())
                        .as(ids.get(i))
                        .isEqualTo(direct.get(i).predicted());
                assertThat(e.getCounterfactual().getTargetClass())
                        .isEqualTo(direct.get(i).runnerUp());
                assertThat(e.getCertificate().getRadius())
                        .as(ids.get(i))
                        .isCloseTo(direct.get(i).radius(), within(1e-5));
                assertThat(explanations.get(ids.get(i)).getPredictedClass())
                        .isEqualTo(directPrimary.get(i).predicted());
                // stamped after both model calls, the primary's and then its own: the shadow's explanation comes at
                // least its own call later than the primary's
                assertThat(e.getExplainedAt().toEpochMilli()
                                - explanations.get(ids.get(i)).getExplainedAt().toEpochMilli())
                        .as(ids.get(i))
                        .isGreaterThanOrEqualTo((long) Math.floor(e.getTimings().getModelMs()));
            }
            // the two models differ: a comparison of a model with itself would prove less
            assertThat(ids.stream().filter(id -> {
                        int i = ids.indexOf(id);
                        return direct.get(i).predicted() != directPrimary.get(i).predicted();
                    }))
                    .isNotEmpty();

            // the windows: grouped here by the shadow explanations' timestamps (the time the windows use)
            Map<String, ExplanationComparison> comparisons = comparisons(shadowTopics, images);
            assertThat(app.shadowCounters().orElseThrow().lateCount())
                    .as("compared images that reached a window after it closed")
                    .isZero();
            Map<Long, List<Integer>> byWindow = new TreeMap<>();
            for (int i = 0; i < ids.size(); i++) {
                long time = shadowById.get(ids.get(i)).timestamp();
                byWindow.computeIfAbsent(time - Math.floorMod(time, WINDOW_MS), w -> new ArrayList<>())
                        .add(i);
            }
            assertThat(comparisons.keySet())
                    .containsExactlyInAnyOrderElementsOf(byWindow.keySet().stream()
                            .map(start -> MetricsKeys.of(start, PRIMARY + "|" + SHADOW))
                            .toList());
            for (Map.Entry<Long, List<Integer>> window : byWindow.entrySet()) {
                ExplanationComparison record = comparisons.get(MetricsKeys.of(window.getKey(), PRIMARY + "|" + SHADOW));
                assertMatchesDirectComputation(record, window.getValue(), ids, sent, directPrimary, direct);
                assertThat(record.getWindowStart().toEpochMilli()).isEqualTo(window.getKey());
                assertThat(record.getWindowEnd().toEpochMilli()).isEqualTo(window.getKey() + WINDOW_MS);
            }
            ShadowCounters counters = app.shadowCounters().orElseThrow();
            assertThat(counters.failedCount()).isZero();
            assertThat(counters.explainedCount()).isEqualTo(images);
        }
    }

    @Test
    void shouldLeaveEveryPrimaryExplanationInPlaceExactlyOnceWhenTheShadowsModelCallFailsForSomeBatches()
            throws Exception {
        int images = 240;
        Map<String, Object> props = props("shadow-fail");
        Random random = new Random(77);
        Map<String, ImageInput> toSend = randomImages(images, random);
        // every 9th image poisons the shadow's call of the batch it is in: those batches go uncompared
        ImageDecoder decoder = new ImageDecoder(primary.model().input(), 1 << 20);
        List<float[]> poisoned = new ArrayList<>();
        int index = 0;
        for (ImageInput image : toSend.values()) {
            if (index++ % 9 == 0) {
                poisoned.add(image.decodeWith(decoder));
            }
        }
        FaultInjectingEngine failingShadow =
                new FaultInjectingEngine(shadow, pixels -> poisoned.stream().anyMatch(p -> Arrays.equals(p, pixels)));
        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(primary)
                .optShadow(ServedModel.fixed(failingShadow))
                .build()
                .start()) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            Map<String, ImageInput> sent = send(app, toSend);

            exactlyOnePerImage(app.topics().explanations().name(), app, sent);
            List<ConsumerRecord<String, DeadLetter>> deadLetters = KafkaTestClients.readCommitted(
                    stack.bootstrapServers(), app.topics().deadLetters(), read -> false, Duration.ofSeconds(1));
            assertThat(deadLetters).isEmpty();

            ShadowCounters counters = app.shadowCounters().orElseThrow();
            assertThat(counters.failedCount()).as("images left uncompared").isPositive();
            ShadowTopics shadowTopics = app.shadowTopics().orElseThrow();
            List<ConsumerRecord<String, Explanation>> shadowOut = KafkaTestClients.readCommitted(
                    stack.bootstrapServers(),
                    shadowTopics.explanations(),
                    read -> read.size() + counters.failedCount() >= images,
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(2));
            Set<String> shadowIds = shadowOut.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
            assertThat(shadowIds).as("at most one shadow explanation per image").hasSize(shadowOut.size());
            assertThat(shadowOut.size() + counters.failedCount()).isEqualTo(images);
            // no poisoned image was compared
            List<String> poisonedIds = new ArrayList<>();
            index = 0;
            for (String id : sent.keySet()) {
                if (index++ % 9 == 0) {
                    poisonedIds.add(id);
                }
            }
            assertThat(shadowIds).doesNotContainAnyElementsOf(poisonedIds);
            long compared = comparisons(shadowTopics, shadowOut.size()).values().stream()
                    .mapToLong(ExplanationComparison::getComparedCount)
                    .sum();
            assertThat(compared).isEqualTo(shadowOut.size());
        }
    }

    @Test
    void shouldAgreeFullyWithNoCertificateDifferenceAndRhoOneWhenTheShadowIsThePrimarysCheckpoint() throws Exception {
        int images = 200;
        Map<String, Object> props = props("shadow-same");
        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(primary)
                .optShadow(ServedModel.fixed(primary))
                .build()
                .start()) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            send(app, images, 11);
            exactlyOnePerImage(app.topics().explanations().name(), app, null);

            Map<String, ExplanationComparison> comparisons =
                    comparisons(app.shadowTopics().orElseThrow(), images);
            assertThat(comparisons).isNotEmpty();
            for (Map.Entry<String, ExplanationComparison> entry : comparisons.entrySet()) {
                ExplanationComparison c = entry.getValue();
                assertThat(entry.getKey()).endsWith("/" + PRIMARY + "|" + PRIMARY);
                assertThat(c.getClassAgreement()).isEqualTo(1.0);
                assertThat(c.getSameTargetFraction()).isEqualTo(1.0);
                assertThat(c.getCertificateDifferenceMean()).isCloseTo(0.0, within(1e-9));
                assertThat(c.getCertificateDifferenceQuantiles())
                        .allSatisfy(q -> assertThat(q.getValue()).isCloseTo(0.0, within(1e-9)));
                assertThat(c.getSaliencySpearmanMean()).isCloseTo(1.0, within(1e-9));
                assertThat(c.getSaliencySpearmanQuantiles())
                        .hasSize(6)
                        .allSatisfy(q -> assertThat(q.getValue()).isCloseTo(1.0, within(1e-9)));
                assertThat(c.getShadowAccuracy()).isEqualTo(c.getPrimaryAccuracy());
            }
        }
    }

    @Test
    void shouldRefuseAtStartWithOneLineWhenTheShadowTakesAnotherInput() {
        Map<String, Object> props = props("shadow-refused");
        props.put(ExplainerConfig.MODEL_SHADOW_CONFIG, Fixtures.linear().toString());

        assertThatThrownBy(() -> StreamExplainerApp.builder()
                        .setProperties(props)
                        .optEngine(primary)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fixture-linear")
                .hasMessageContaining("[28, 28, 1]")
                .hasMessageNotContaining("\n");
    }

    private Map<String, Object> props(String name) {
        String run = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> props = pipeline.explainerProps(run, run + "-", stateDir);
        props.put(ExplainerConfig.TOPIC_EXPLANATIONS_SHADOW_CONFIG, run + "-shadow");
        props.put(ExplainerConfig.TOPIC_METRICS_COMPARISON_CONFIG, run + "-comparison");
        props.put(ExplainerConfig.METRICS_WINDOW_MS_CONFIG, WINDOW_MS);
        // room for a loaded machine: every batch's figures reach their window before it closes (none late)
        props.put(ExplainerConfig.METRICS_GRACE_MS_CONFIG, GRACE_MS);
        props.put(ExplainerConfig.INSTANCE_ID_CONFIG, name);
        props.put(ExplainerConfig.FIDELITY_SAMPLE_RATE_CONFIG, 0.0);
        return props;
    }

    private static Map<String, ImageInput> randomImages(int count, Random random) {
        Map<String, ImageInput> images = new LinkedHashMap<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < count; i++) {
            byte[] pixels = new byte[784];
            random.nextBytes(pixels);
            String id = String.format("img-%04d", i);
            images.put(id, new ImageInput(id, "RAW_U8", 28, 28, 1, pixels, random.nextInt(10), now + 10L * i));
        }
        return images;
    }

    private static Map<String, ImageInput> send(StreamExplainerApp app, int count, long seed) throws Exception {
        return send(app, randomImages(count, new Random(seed)));
    }

    /** Sends the images with their event times as record timestamps (10 ms apart: a few windows). */
    private static Map<String, ImageInput> send(StreamExplainerApp app, Map<String, ImageInput> images)
            throws Exception {
        Topics topics = app.topics();
        KafkaTestClients.awaitLeaders(stack.bootstrapServers(), topics.images().name(), 6);
        try (var producer = KafkaTestClients.producer(stack.bootstrapServers())) {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sends =
                    new ArrayList<>();
            for (ImageInput image : images.values()) {
                sends.add(KafkaTestClients.send(
                        producer,
                        topics.images().name(),
                        image.imageId().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        pipeline.format().writeImage(topics.images().name(), image),
                        image.eventTime()));
            }
            producer.flush();
            KafkaTestClients.awaitAll(sends);
        }
        return images;
    }

    /** Reads the primary explanations with read_committed: exactly one per sent image (when given), none twice. */
    private static Map<String, Explanation> exactlyOnePerImage(
            String topic, StreamExplainerApp app, Map<String, ImageInput> sent) {
        int expected = sent == null ? -1 : sent.size();
        List<ConsumerRecord<String, Explanation>> out = KafkaTestClients.readCommitted(
                stack.bootstrapServers(),
                app.topics().explanations(),
                read -> expected >= 0 && read.size() >= expected,
                Duration.ofSeconds(expected >= 0 ? 120 : 20),
                Duration.ofSeconds(2));
        Map<String, Explanation> byId = new HashMap<>();
        for (ConsumerRecord<String, Explanation> record : out) {
            assertThat(byId.put(record.key(), record.value()))
                    .as("a second explanation of " + record.key())
                    .isNull();
            assertThat(record.value().getModelName()).isEqualTo("fixture-dense");
        }
        if (sent != null) {
            assertThat(byId.keySet()).isEqualTo(sent.keySet());
        }
        return byId;
    }

    /** Reads the comparison topic until its records have counted {@code compared} images; by key, none twice. */
    private static Map<String, ExplanationComparison> comparisons(ShadowTopics topics, long compared) {
        List<ConsumerRecord<String, ExplanationComparison>> out = KafkaTestClients.readCommitted(
                stack.bootstrapServers(),
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
                    .as("a second comparison for " + record.key())
                    .isNull();
        }
        return byKey;
    }

    private static List<ImageExplanation> explainDirectly(
            OtnnEngine engine, Map<String, ImageInput> sent, List<String> ids) throws Exception {
        ImageDecoder decoder = new ImageDecoder(engine.model().input(), 1 << 20);
        float[][] pixels = new float[ids.size()][];
        for (int i = 0; i < ids.size(); i++) {
            pixels[i] = sent.get(ids.get(i)).decodeWith(decoder);
        }
        return engine.otnnModel().explain(pixels);
    }

    /** The window's figures computed here from explain-core's results, with formulas of this test's own. */
    private static void assertMatchesDirectComputation(
            ExplanationComparison record,
            List<Integer> members,
            List<String> ids,
            Map<String, ImageInput> sent,
            List<ImageExplanation> primaries,
            List<ImageExplanation> shadows) {
        int n = members.size();
        int agreed = 0;
        int sameTarget = 0;
        int labelled = 0;
        int primaryRight = 0;
        int shadowRight = 0;
        double[] differences = new double[n];
        List<Double> rhos = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            int i = members.get(k);
            ImageExplanation p = primaries.get(i);
            ImageExplanation s = shadows.get(i);
            agreed += p.predicted() == s.predicted() ? 1 : 0;
            sameTarget += p.runnerUp() == s.runnerUp() ? 1 : 0;
            Integer label = sent.get(ids.get(i)).label();
            if (label != null) {
                labelled++;
                primaryRight += label == p.predicted() ? 1 : 0;
                shadowRight += label == s.predicted() ? 1 : 0;
            }
            differences[k] = s.radius() - p.radius();
            rhos.add(closedFormSpearman(p.saliency(), s.saliency()));
        }
        assertThat(record.getComparedCount()).isEqualTo(n);
        assertThat(record.getClassAgreement()).isCloseTo((double) agreed / n, within(1e-12));
        assertThat(record.getSameTargetFraction()).isCloseTo((double) sameTarget / n, within(1e-12));
        assertThat(record.getLabelledCount()).isEqualTo(labelled);
        assertThat(record.getPrimaryAccuracy()).isCloseTo((double) primaryRight / labelled, within(1e-12));
        assertThat(record.getShadowAccuracy()).isCloseTo((double) shadowRight / labelled, within(1e-12));
        assertThat(record.getCertificateDifferenceMean())
                .isCloseTo(Arrays.stream(differences).average().orElseThrow(), within(1e-5));
        assertRankError(record.getCertificateDifferenceQuantiles(), differences);
        double meanRho =
                rhos.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertThat(record.getSaliencySpearmanMean()).isCloseTo(meanRho, within(1e-3));
        assertRankError(
                record.getSaliencySpearmanQuantiles(),
                rhos.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * 1 − 6Σd²/(n(n²−1)) with ranks counted (1 + the number of smaller values, + half the other equal ones): exact
     * without ties, and within a hair of the average-rank Pearson when a map has a few.
     */
    private static double closedFormSpearman(float[] a, float[] b) {
        int n = a.length;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = countedRank(a, i) - countedRank(b, i);
            sum += d * d;
        }
        return 1 - 6 * sum / (n * ((double) n * n - 1));
    }

    private static double countedRank(float[] values, int i) {
        int smaller = 0;
        int equal = 0;
        for (float v : values) {
            if (v < values[i]) {
                smaller++;
            } else if (v == values[i]) {
                equal++;
            }
        }
        return smaller + 1 + (equal - 1) / 2.0;
    }

    /** t-digest's stated error: the published q-quantile's rank lies within 2 % (+ one value) of q. */
    private static void assertRankError(List<QuantileValue> quantiles, double[] values) {
        assertThat(quantiles).hasSize(6);
        for (QuantileValue q : quantiles) {
            double slack = 0.02 + 1.0 / values.length;
            long atOrBelow =
                    Arrays.stream(values).filter(v -> v <= q.getValue() + 1e-6).count();
            long below =
                    Arrays.stream(values).filter(v -> v < q.getValue() - 1e-6).count();
            assertThat((double) atOrBelow / values.length)
                    .as("rank of the q=%s quantile %s", q.getQ(), q.getValue())
                    .isGreaterThanOrEqualTo(q.getQ() - slack);
            assertThat((double) below / values.length)
                    .as("rank of the q=%s quantile %s", q.getQ(), q.getValue())
                    .isLessThanOrEqualTo(q.getQ() + slack);
        }
    }
}
