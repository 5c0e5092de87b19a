package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.explain.input.RejectionKind;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.Topic;
import io.otnn.streams.Topics;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.testing.Buffers;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.Images;
import io.otnn.streams.testing.KafkaTestClients;
import io.otnn.streams.testing.Windows;
import io.otnn.streams.time.TimeAdjustment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The time policy, the output guard, the production handler and the wall-clock metric windows on the real broker,
 * registry and engine, read back with {@code read_committed}.
 */
class TimeAndProductionTest {

    private static final long WINDOW_MS = 2_000;
    // below the product's 2 s, to keep the test short; at 0.5 s a loaded CI machine once delivered a batch's figures
    // 183 ms after their window was published (counted late, in no window)
    private static final long GRACE_MS = 1_500;
    private static final long COMMIT_MS = ExplainerConfig.DEFAULT_COMMIT_INTERVAL_MS;

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withEngine();

    @TempDir
    Path stateDir;

    private Map<String, Object> props(String run) {
        Map<String, Object> props = pipeline.explainerProps(run, run + ".", stateDir.resolve(run));
        props.put(ExplainerConfig.METRICS_WINDOW_MS_CONFIG, WINDOW_MS);
        props.put(ExplainerConfig.METRICS_GRACE_MS_CONFIG, GRACE_MS);
        return props;
    }

    private StreamExplainerApp start(Map<String, Object> props) throws Exception {
        StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(pipeline.engine())
                .build()
                .start();
        assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
        KafkaTestClients.awaitLeaders(bootstrap(), app.topics().images().name(), 6);
        return app;
    }

    @Test
    void
            shouldExplainEveryImageOnceAndStampOddEventTimesWithTheArrivalTimeWhenFarFutureAndFarPastImagesAreBetweenGoodOnes()
                    throws Exception {
        try (StreamExplainerApp app = start(props("odd-times"))) {
            Topics topics = app.topics();
            Set<String> threadsBefore = threadNames(app);
            long sentFrom = System.currentTimeMillis();
            Map<String, Long> odd = new LinkedHashMap<>();
            odd.put("year-2200", Instant.parse("2200-01-01T00:00:00Z").toEpochMilli());
            odd.put("year-1990", Instant.parse("1990-01-01T00:00:00Z").toEpochMilli());
            odd.put("zero", 0L);
            odd.put("negative", -5L);
            Map<TimeAdjustment, String> expectedAdjustment =
                    Map.of(TimeAdjustment.FUTURE, "year-2200", TimeAdjustment.PAST, "year-1990");
            Random random = new Random(9);
            List<ImageInput> images = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                images.add(randomImage("before-" + i, random, null, System.currentTimeMillis()));
            }
            odd.forEach((id, eventTime) -> images.add(randomImage(id, random, null, eventTime)));
            for (int i = 0; i < 60; i++) {
                images.add(randomImage("after-" + i, random, null, System.currentTimeMillis()));
            }
            // the record timestamps are the producer's clock, as with any client that does not set one
            send(topics.images().name(), images, image -> System.currentTimeMillis());

            List<ConsumerRecord<String, Explanation>> explained = KafkaTestClients.readCommitted(
                    bootstrap(),
                    topics.explanations(),
                    read -> read.size() >= images.size(),
                    Duration.ofSeconds(180),
                    Duration.ofSeconds(2));
            long readAt = System.currentTimeMillis();
            assertExactlyOnce(
                    explained, images.stream().map(ImageInput::imageId).toList());

            Map<String, ConsumerRecord<String, Explanation>> byId =
                    explained.stream().collect(Collectors.toMap(ConsumerRecord::key, r -> r));
            for (String id : odd.keySet()) {
                ConsumerRecord<String, Explanation> r = byId.get(id);
                assertThat(r.value().getEventTime().toEpochMilli())
                        .as(id + ": the payload keeps the image's own event time")
                        .isEqualTo(odd.get(id));
                assertThat(r.timestamp())
                        .as(id + ": the record carries the arrival time")
                        .isBetween(sentFrom, readAt);
            }
            expectedAdjustment.forEach((adjustment, id) -> assertThat(
                            byId.get(id).value().getEventTimeAdjustment().name())
                    .as(id)
                    .isEqualTo(adjustment.name()));
            assertThat(byId.get("zero").value().getEventTimeAdjustment().name())
                    .isEqualTo(TimeAdjustment.MISSING.name());
            assertThat(byId.get("negative").value().getEventTimeAdjustment().name())
                    .isEqualTo(TimeAdjustment.MISSING.name());
            images.stream().filter(image -> !odd.containsKey(image.imageId())).forEach(image -> {
                ConsumerRecord<String, Explanation> r = byId.get(image.imageId());
                assertThat(r.timestamp()).isEqualTo(image.eventTime());
                assertThat(r.value().getEventTimeAdjustment().name()).isEqualTo(TimeAdjustment.NONE.name());
            });

            // every image, the odd ones included, is counted in a published window of the present
            List<ExplanationMetrics> windows = readWindows(
                    topics.metrics(),
                    read -> read.stream()
                                    .mapToLong(ExplanationMetrics::getExplainedCount)
                                    .sum()
                            >= images.size(),
                    Duration.ofSeconds(60));
            assertThat(windows.stream()
                            .mapToLong(ExplanationMetrics::getExplainedCount)
                            .sum())
                    .isEqualTo(images.size());
            assertThat(windows)
                    .allSatisfy(
                            w -> assertThat(w.getWindowStart().toEpochMilli()).isBetween(sentFrom - WINDOW_MS, readAt));
            assertThat(windows.stream()
                            .map(w -> w.getWindowStart().toEpochMilli())
                            .distinct()
                            .count())
                    .as("one record per window")
                    .isEqualTo(windows.size());
            assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
            assertThat(threadNames(app)).isEqualTo(threadsBefore);
            System.out.printf(
                    "odd-times: sent %d, explained %d, dead-lettered 0, windows %d%n",
                    images.size(), explained.size(), windows.size());
        }
    }

    @Test
    void shouldPublishTheLastWindowWithinGracePlusCommitIntervalPlusOneSecondOfItsEndWhenNoFurtherImageArrives()
            throws Exception {
        try (StreamExplainerApp app = start(props("idle-window"))) {
            Topics topics = app.topics();
            Random random = new Random(15);
            // warm up (first transactions, first model calls), and let the warm-up's windows close first
            List<ImageInput> warmUp = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                warmUp.add(randomImage("warm-up-" + i, random, null, System.currentTimeMillis()));
            }
            send(topics.images().name(), warmUp, ImageInput::eventTime);
            List<ExplanationMetrics> warmUpWindows = readWindows(
                    topics.metrics(),
                    read -> read.stream()
                                    .mapToLong(ExplanationMetrics::getExplainedCount)
                                    .sum()
                            >= warmUp.size(),
                    Duration.ofSeconds(120));
            assertThat(warmUpWindows.stream()
                            .mapToLong(ExplanationMetrics::getExplainedCount)
                            .sum())
                    .isEqualTo(warmUp.size());
            Set<Long> warmUpStarts = warmUpWindows.stream()
                    .map(w -> w.getWindowStart().toEpochMilli())
                    .collect(Collectors.toSet());

            List<ImageInput> images = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                images.add(randomImage("burst-" + i, random, random.nextInt(10), System.currentTimeMillis()));
            }
            send(topics.images().name(), images, ImageInput::eventTime);

            Map<String, Long> publishedAt = new TreeMap<>();
            List<ExplanationMetrics> windows = readWindows(
                            topics.metrics(),
                            publishedAt,
                            read -> read.stream()
                                            .mapToLong(ExplanationMetrics::getExplainedCount)
                                            .sum()
                                    >= warmUp.size() + images.size(),
                            Duration.ofSeconds(60))
                    .stream()
                    .filter(w -> !warmUpStarts.contains(w.getWindowStart().toEpochMilli()))
                    .toList();
            assertThat(windows.stream()
                            .mapToLong(ExplanationMetrics::getExplainedCount)
                            .sum())
                    .as(
                            "images counted in the burst's windows (late outcomes: %d)",
                            app.lateMetrics().lateOutcomes())
                    .isEqualTo(images.size());
            long bound = GRACE_MS + COMMIT_MS + 1_000;
            long worst = 0;
            for (ExplanationMetrics w : windows) {
                long delay = publishedAt.get(Long.toString(w.getWindowStart().toEpochMilli()))
                        - w.getWindowEnd().toEpochMilli();
                worst = Math.max(worst, delay);
                assertThat(delay)
                        .as("window " + w.getWindowStart() + " published " + delay + " ms after its end")
                        .isBetween(GRACE_MS, bound);
            }
            long lastEventTime =
                    images.stream().mapToLong(ImageInput::eventTime).max().orElseThrow();
            long lastWindowAt = publishedAt.values().stream()
                    .mapToLong(Long::longValue)
                    .max()
                    .orElseThrow();
            System.out.printf(
                    "idle-window: sent %d, windows %d, worst delay after window end %d ms (bound %d), "
                            + "last window %d ms after the last image's event time (bound %d)%n",
                    images.size(),
                    windows.size(),
                    worst,
                    bound,
                    lastWindowAt - lastEventTime,
                    WINDOW_MS + GRACE_MS + COMMIT_MS + 1_000);
            assertThat(lastWindowAt - lastEventTime).isLessThanOrEqualTo(WINDOW_MS + GRACE_MS + COMMIT_MS + 1_000);
            assertThat(app.lateMetrics().latePartials()).isZero();

            // issue 15: each window's figures against a direct computation on its images' explanations
            List<ConsumerRecord<String, Explanation>> explained = KafkaTestClients.readCommitted(
                    bootstrap(),
                    topics.explanations(),
                    read -> read.size() >= warmUp.size() + images.size(),
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(1));
            assertExactlyOnce(
                    explained,
                    java.util.stream.Stream.concat(warmUp.stream(), images.stream())
                            .map(ImageInput::imageId)
                            .toList());
            explained =
                    explained.stream().filter(r -> r.key().startsWith("burst-")).toList();
            List<Double> epsilons = app.config().epsilons();
            Map<Long, List<ConsumerRecord<String, Explanation>>> byWindow = explained.stream()
                    .collect(Collectors.groupingBy(r -> r.timestamp() - Math.floorMod(r.timestamp(), WINDOW_MS)));
            assertThat(windows.stream()
                            .map(w -> w.getWindowStart().toEpochMilli())
                            .collect(Collectors.toSet()))
                    .isEqualTo(byWindow.keySet());
            for (ExplanationMetrics w : windows) {
                assertWindowMatches(
                        w,
                        byWindow.get(w.getWindowStart().toEpochMilli()).stream()
                                .map(ConsumerRecord::value)
                                .toList(),
                        epsilons);
            }
        }
    }

    /** The figures of one window, computed directly from its explanations. */
    private static void assertWindowMatches(ExplanationMetrics w, List<Explanation> e, List<Double> epsilons) {
        int n = e.size();
        assertThat(w.getExplainedCount()).isEqualTo(n);
        assertThat(w.getDeadLetteredCount()).isZero();
        List<Explanation> labelled =
                e.stream().filter(x -> x.getLabel() != null).toList();
        assertThat(w.getLabelledCount()).isEqualTo(labelled.size());
        long correct = labelled.stream()
                .filter(x -> x.getLabel() == x.getPredictedClass())
                .count();
        assertThat(w.getAccuracy()).isCloseTo((double) correct / labelled.size(), Offset.offset(1e-12));
        double[] radii = e.stream()
                .mapToDouble(x -> x.getCertificate().getRadius())
                .sorted()
                .toArray();
        assertThat(w.getCertificateMean())
                .isCloseTo(Arrays.stream(radii).average().orElseThrow(), Offset.offset(1e-9));
        for (Map.Entry<String, Double> q :
                Windows.quantiles(w.getCertificateQuantiles()).entrySet()) {
            double p = Double.parseDouble(q.getKey());
            // a t-digest quantile lies between the exact quantiles a little below and above its rank
            double low = radii[(int) Math.max(0, Math.floor((p - 0.03) * (n - 1)))];
            double high = radii[(int) Math.min(n - 1, Math.ceil((p + 0.03) * (n - 1)))];
            assertThat(q.getValue()).as("certificate quantile " + p).isBetween(low, high);
        }
        for (double eps : epsilons) {
            long certified = e.stream()
                    .filter(x -> (x.getLabel() == null || x.getLabel() == x.getPredictedClass())
                            && x.getCertificate().getRadius() >= eps)
                    .count();
            assertThat(Windows.fractions(w.getCertifiedFractions()).get(Double.toString(eps)))
                    .as("certified at " + eps)
                    .isCloseTo((double) certified / n, Offset.offset(1e-12));
        }
        long[] histogram = new long[10];
        e.forEach(x -> histogram[x.getPredictedClass()]++);
        for (int k = 0; k < 10; k++) {
            assertThat(k < w.getClassHistogram().size() ? w.getClassHistogram().get(k) : 0L)
                    .as("class " + k)
                    .isEqualTo(histogram[k]);
        }
        assertThat(w.getCounterfactualDistanceMean())
                .isCloseTo(
                        e.stream()
                                .mapToDouble(x -> x.getCounterfactual().getDistance())
                                .average()
                                .orElseThrow(),
                        Offset.offset(1e-9));
        assertThat(w.getBoundaryResidualMean())
                .isCloseTo(
                        e.stream()
                                .mapToDouble(x -> Math.abs(x.getCounterfactual().getBoundaryResidual()))
                                .average()
                                .orElseThrow(),
                        Offset.offset(1e-12));
        assertThat(w.getBatchSizeMean())
                .isCloseTo(
                        e.stream().mapToInt(Explanation::getBatchSize).average().orElseThrow(), Offset.offset(1e-9));
    }

    @Test
    void shouldDeadLetterTheImageAsProductionAndExplainTheRestOnceWhenItsExplanationIsTooLargeForTheTopic()
            throws Exception {
        String run = "too-large";
        // the explanations topic accepts 24 KiB per batch (above the producer's 16 KiB batch.size, as it must be);
        // an image with a 30,000-character id cannot fit; the dead-letter topic accepts 96 KiB: that image's dead
        // letter fits, one of a 150 KB record does not
        try (Admin admin = admin()) {
            admin.createTopics(List.of(
                            new NewTopic(run + ".explanations", 6, (short) 1)
                                    .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "24576")),
                            new NewTopic(run + ".dlq", 6, (short) 1)
                                    .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "98304"))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        try (StreamExplainerApp app = start(props(run))) {
            Topics topics = app.topics();
            Set<String> threadsBefore = threadNames(app);
            Random random = new Random(21);
            List<ImageInput> images = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                images.add(randomImage("good-" + i, random, null, System.currentTimeMillis()));
            }
            String huge = "huge-" + "x".repeat(30_000);
            images.add(randomImage(huge, random, null, System.currentTimeMillis()));
            for (int i = 40; i < 80; i++) {
                images.add(randomImage("good-" + i, random, null, System.currentTimeMillis()));
            }
            Map<String, byte[]> sentValues = send(topics.images().name(), images, ImageInput::eventTime);
            ImageInput bigGarbage = new ImageInput(
                    "big-garbage", "PNG", 28, 28, 1, Images.randomU8(150_000, 5), null, System.currentTimeMillis());
            byte[] bigValue = send(topics.images().name(), List.of(bigGarbage), ImageInput::eventTime)
                    .get("big-garbage");

            List<ConsumerRecord<String, DeadLetter>> dead = KafkaTestClients.readCommitted(
                    bootstrap(),
                    topics.deadLetters(),
                    read -> read.size() >= 2,
                    Duration.ofSeconds(120),
                    Duration.ofSeconds(2));
            List<ConsumerRecord<String, Explanation>> explained = KafkaTestClients.readCommitted(
                    bootstrap(),
                    topics.explanations(),
                    read -> read.size() >= images.size() - 1,
                    Duration.ofSeconds(120),
                    Duration.ofSeconds(2));
            assertThat(dead).hasSize(2);
            Map<String, DeadLetter> deadById =
                    dead.stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
            assertThat(deadById).containsOnlyKeys(huge, "big-garbage");
            DeadLetter big = deadById.get("big-garbage");
            assertThat(big.getRejectionKind()).isNotEqualTo(RejectionKind.PRODUCTION.name());
            assertThat(Buffers.bytes(big.getValue()))
                    .as("too large for the dead-letter topic with it")
                    .isNull();
            assertThat(big.getMessage()).contains("original value of " + bigValue.length + " bytes is left out");
            assertThat(Buffers.bytes(big.getKey())).isEqualTo("big-garbage".getBytes(StandardCharsets.UTF_8));
            DeadLetter d = deadById.get(huge);
            assertThat(d.getRejectionKind()).isEqualTo(RejectionKind.PRODUCTION.name());
            assertThat(d.getMessage()).contains("bytes", topics.explanations().name());
            assertThat(Buffers.bytes(d.getKey())).isEqualTo(huge.getBytes(StandardCharsets.UTF_8));
            assertThat(Buffers.bytes(d.getValue())).isEqualTo(sentValues.get(huge));
            assertExactlyOnce(
                    explained,
                    images.stream()
                            .map(ImageInput::imageId)
                            .filter(id -> !id.equals(huge))
                            .toList());
            assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
            assertThat(threadNames(app)).as("no stream thread was replaced").isEqualTo(threadsBefore);
            System.out.printf(
                    "too-large: sent %d, explained %d, dead-lettered %d%n",
                    images.size() + 1, explained.size(), dead.size());
        }
    }

    @Test
    @Tag("slow")
    void shouldDeadLetterTheImageOnceAndReplaceTheThreadAtMostOnceWhenTheBrokerRefusesItsTimestampAfterStartUp()
            throws Exception {
        String run = "refused-timestamp";
        try (StreamExplainerApp app = start(props(run))) {
            Topics topics = app.topics();
            Set<String> threadsBefore = threadNames(app);
            // the topic's limit changes after the explainer read it: only the broker knows
            ConfigResource resource = new ConfigResource(
                    ConfigResource.Type.TOPIC, topics.explanations().name());
            try (Admin admin = admin()) {
                admin.incrementalAlterConfigs(Map.of(
                                resource,
                                List.of(new AlterConfigOp(
                                        new ConfigEntry(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, "60000"),
                                        AlterConfigOp.OpType.SET))))
                        .all()
                        .get(30, TimeUnit.SECONDS);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!"60000"
                        .equals(admin.describeConfigs(List.of(resource))
                                .all()
                                .get()
                                .get(resource)
                                .get(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG)
                                .value())) {
                    assertThat(System.nanoTime())
                            .as("the topic's new limit is in effect")
                            .isLessThan(deadline);
                    Thread.sleep(50);
                }
            }
            Random random = new Random(33);
            List<ImageInput> images = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                images.add(randomImage("good-" + i, random, null, System.currentTimeMillis()));
            }
            // five minutes ahead: within the explainer's ten, beyond the topic's one
            images.add(randomImage("ahead", random, null, System.currentTimeMillis() + 300_000));
            for (int i = 40; i < 80; i++) {
                images.add(randomImage("good-" + i, random, null, System.currentTimeMillis()));
            }
            Map<String, byte[]> sentValues = send(topics.images().name(), images, image -> System.currentTimeMillis());

            List<ConsumerRecord<String, DeadLetter>> dead = KafkaTestClients.readCommitted(
                    bootstrap(),
                    topics.deadLetters(),
                    read -> !read.isEmpty(),
                    Duration.ofSeconds(180),
                    Duration.ofSeconds(2));
            List<ConsumerRecord<String, Explanation>> explained = KafkaTestClients.readCommitted(
                    bootstrap(),
                    topics.explanations(),
                    read -> read.size() >= images.size() - 1,
                    Duration.ofSeconds(180),
                    Duration.ofSeconds(3));
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).key()).isEqualTo("ahead");
            assertThat(dead.get(0).value().getRejectionKind()).isEqualTo(RejectionKind.PRODUCTION.name());
            assertThat(dead.get(0).value().getMessage()).contains("InvalidTimestampException");
            assertThat(Buffers.bytes(dead.get(0).value().getValue())).isEqualTo(sentValues.get("ahead"));
            assertThat(dead.get(0).timestamp()).isLessThanOrEqualTo(System.currentTimeMillis());
            assertExactlyOnce(
                    explained,
                    images.stream()
                            .map(ImageInput::imageId)
                            .filter(id -> !id.equals("ahead"))
                            .toList());
            assertThat(app.awaitRunning(Duration.ofSeconds(30))).isTrue();
            Set<String> threadsAfter = threadNames(app);
            long replaced = threadsAfter.stream()
                    .filter(name -> !threadsBefore.contains(name))
                    .count();
            assertThat(threadsAfter).hasSameSizeAs(threadsBefore);
            assertThat(replaced).as("stream threads replaced").isLessThanOrEqualTo(1);
            assertThat(app.outputGuard().refusals()).isEqualTo(1);
            System.out.printf(
                    "refused-timestamp: sent %d, explained %d, dead-lettered %d, threads replaced %d%n",
                    images.size(), explained.size(), dead.size(), replaced);
        }
    }

    // --- helpers ---

    private static String bootstrap() {
        return pipeline.stack().bootstrapServers();
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
    }

    private static Set<String> threadNames(StreamExplainerApp app) {
        return app.streams().metadataForLocalThreads().stream()
                .map(ThreadMetadata::threadName)
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    private static ImageInput randomImage(String id, Random random, Integer label, long eventTime) {
        byte[] pixels = new byte[784];
        random.nextBytes(pixels);
        return new ImageInput(id, "RAW_U8", 28, 28, 1, pixels, label, eventTime);
    }

    /** Sends the images keyed by id with the given record timestamps; returns the value bytes sent per id. */
    private static Map<String, byte[]> send(String topic, List<ImageInput> images, Function<ImageInput, Long> timestamp)
            throws Exception {
        Map<String, byte[]> values = new LinkedHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap())) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (ImageInput image : images) {
                byte[] value = pipeline.format().writeImage(topic, image);
                values.put(image.imageId(), value);
                sends.add(KafkaTestClients.send(
                        producer,
                        topic,
                        image.imageId().getBytes(StandardCharsets.UTF_8),
                        value,
                        timestamp.apply(image)));
            }
            producer.flush();
            KafkaTestClients.awaitAll(sends);
        }
        return values;
    }

    private static void assertExactlyOnce(List<ConsumerRecord<String, Explanation>> explained, Collection<String> ids) {
        Map<String, Long> counts =
                explained.stream().collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
        assertThat(counts.keySet()).as("explained: every image, nothing else").containsExactlyInAnyOrderElementsOf(ids);
        assertThat(counts.values()).as("explained once").allMatch(c -> c == 1);
        explained.forEach(r -> assertThat(r.value().getImageId()).isEqualTo(r.key()));
    }

    private static List<ExplanationMetrics> readWindows(
            Topic<String, ExplanationMetrics> topic,
            java.util.function.Predicate<List<ExplanationMetrics>> done,
            Duration timeout) {
        return readWindows(topic, new TreeMap<>(), done, timeout);
    }

    /** Reads metrics records (read_committed), noting the wall clock at which each window was first seen. */
    private static List<ExplanationMetrics> readWindows(
            Topic<String, ExplanationMetrics> topic,
            Map<String, Long> seenAt,
            java.util.function.Predicate<List<ExplanationMetrics>> done,
            Duration timeout) {
        List<ExplanationMetrics> read = new ArrayList<>();
        try (KafkaConsumer<String, ExplanationMetrics> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap(),
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "metrics-" + UUID.randomUUID(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest",
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                topic.keySerde().deserializer(),
                topic.valueSerde().deserializer())) {
            consumer.subscribe(List.of(topic.name()));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !done.test(read)) {
                for (ConsumerRecord<String, ExplanationMetrics> r : consumer.poll(Duration.ofMillis(20))) {
                    read.add(r.value());
                    seenAt.putIfAbsent(
                            Long.toString(r.value().getWindowStart().toEpochMilli()), System.currentTimeMillis());
                }
            }
        }
        return read;
    }
}
