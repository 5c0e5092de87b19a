package io.otnn.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.input.RejectionKind;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.Topics;
import io.otnn.streams.drift.ClassMix;
import io.otnn.streams.drift.DriftFigures;
import io.otnn.streams.drift.DriftReference;
import io.otnn.streams.format.JsonRecordFormat;
import io.otnn.streams.format.RecordFormat;
import io.otnn.streams.metrics.MetricWindowsProcessor;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.testing.Buffers;
import io.otnn.streams.testing.Images;
import io.otnn.streams.testing.LinearTestEngine;
import io.otnn.streams.testing.Windows;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExplainerTopologyTest {

    private static final Instant T0 = Instant.parse("2026-11-23T16:00:00Z");
    private static final int SIZE = 16;

    private final RecordFormat format = new JsonRecordFormat();
    private final Topics topics = Topics.defaults(format);
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> images;
    private TestOutputTopic<String, Explanation> explanations;
    private TestOutputTopic<String, DeadLetter> deadLetters;
    private TestOutputTopic<String, ExplanationMetrics> metrics;
    private LinearTestEngine engine;

    @TempDir
    Path stateDir;

    private void start(LinearTestEngine testEngine, Map<String, Object> overrides) {
        engine = testEngine;
        Map<String, Object> props = new HashMap<>();
        props.put(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(ExplainerConfig.BATCH_MAX_SIZE_CONFIG, 4);
        props.put(ExplainerConfig.BATCH_MAX_WAIT_MS_CONFIG, 50L);
        props.put(ExplainerConfig.IMAGE_MAX_BYTES_CONFIG, 1000);
        props.put(ExplainerConfig.METRICS_WINDOW_MS_CONFIG, 10_000L);
        props.put(ExplainerConfig.METRICS_GRACE_MS_CONFIG, 1_000L);
        props.put(ExplainerConfig.INSTANCE_ID_CONFIG, "test");
        props.putAll(overrides);
        ExplainerConfig config = new ExplainerConfig(props);
        Properties streams = config.streamsProperties();
        streams.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(ExplainerTopology.build(config, engine, topics), streams, T0);
        images = driver.createInputTopic(topics.images().name(), new ByteArraySerializer(), new ByteArraySerializer());
        explanations = driver.createOutputTopic(
                topics.explanations().name(),
                topics.explanations().keySerde().deserializer(),
                topics.explanations().valueSerde().deserializer());
        deadLetters = driver.createOutputTopic(
                topics.deadLetters().name(),
                topics.deadLetters().keySerde().deserializer(),
                topics.deadLetters().valueSerde().deserializer());
        metrics = driver.createOutputTopic(
                topics.metrics().name(),
                topics.metrics().keySerde().deserializer(),
                topics.metrics().valueSerde().deserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private ImageInput image(int i, Integer label, Instant eventTime) {
        return Images.rawU8("img-" + i, 4, 4, 1, i, label, eventTime.toEpochMilli());
    }

    private void send(ImageInput image, Instant timestamp) {
        images.pipeInput(
                image.imageId().getBytes(StandardCharsets.UTF_8),
                format.writeImage(topics.images().name(), image),
                timestamp);
    }

    private void send(ImageInput image) {
        send(image, Instant.ofEpochMilli(image.eventTime()));
    }

    @Test
    void shouldExplainEveryImageBeforeItsOffsetIsCommitted() {
        // TopologyTestDriver commits after every record, so every image is explained alone, at its commit
        // (BatchingTest shows full batches, max wait and commits on the real broker)
        start(LinearTestEngine.small(), Map.of());
        List<ImageInput> sent = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ImageInput image = image(i, i % 3, T0.plusMillis(i));
            sent.add(image);
            send(image);
            assertThat(explanations.getQueueSize())
                    .as("explained at the commit after image %d", i)
                    .isEqualTo(i + 1);
        }

        Map<String, Explanation> out = explanations.readKeyValuesToMap();
        assertThat(out)
                .hasSize(8)
                .containsOnlyKeys(sent.stream().map(ImageInput::imageId).toList());
        assertThat(engine.batchSizes()).containsExactly(1, 1, 1, 1, 1, 1, 1, 1);
        assertThat(deadLetters.isEmpty()).isTrue();

        for (ImageInput image : sent) {
            Explanation e = out.get(image.imageId());
            ImageExplanation expected = engine.explainOne(Images.decodeU8(image.data()));
            assertThat(e.getModelName()).isEqualTo("linear-test");
            assertThat(e.getModelVersion()).isEqualTo(3);
            assertThat(e.getPredictedClass()).isEqualTo(expected.predicted());
            assertThat(e.getRunnerUpClass()).isEqualTo(expected.runnerUp());
            assertThat(e.getCertificate().getRadius()).isEqualTo(expected.radius());
            assertThat(e.getCertificate().getFactor()).isEqualTo(Math.sqrt(2));
            assertThat(e.getCertificate().getLipschitz()).isEqualTo(1.0);
            assertThat(e.getBatchSize()).isEqualTo(1);
            assertThat(e.getLabel()).isEqualTo(image.label());
            assertThat(e.getEventTime().toEpochMilli()).isEqualTo(image.eventTime());
            assertThat(e.getExplainerInstance()).endsWith("/test");
            assertThat(e.getSaliency().getEncoding().name()).isEqualTo("PNG_U8");
            assertThat(Buffers.bytes(e.getSaliency().getData())).startsWith(0x89, 'P', 'N', 'G');
            assertThat(e.getCounterfactual().getImage().getShape().get(1)).isEqualTo(4);
            assertThat(Math.abs(e.getCounterfactual().getBoundaryResidual())).isLessThan(1e-4);
        }
    }

    @Test
    void shouldStampTheImagesEventTimeOnTheExplanationWhenForwarded() {
        start(LinearTestEngine.small(), Map.of());
        Instant eventTime = T0.minusSeconds(30);
        send(image(1, null, eventTime), T0);
        driver.advanceWallClockTime(Duration.ofMillis(60));
        assertThat(explanations.readRecord().getRecordTime()).isEqualTo(eventTime);
    }

    @Test
    void shouldCountTheModelCallInTheExplanationsTotalTimeAndExplainedAt() {
        // Kafka Streams' cached system time stands still through a processor call: an explanation stamped with it
        // would leave the model call out of totalMs and date explainedAt to the batch's start
        start(LinearTestEngine.small().withCallMillis(40), Map.of());
        Instant eventTime = T0.minusMillis(500);
        send(image(1, null, eventTime), T0);
        driver.advanceWallClockTime(Duration.ofMillis(60));
        Explanation e = explanations.readValue();
        assertThat(e.getTimings().getModelMs()).isGreaterThanOrEqualTo(40);
        assertThat(e.getTimings().getTotalMs() - e.getTimings().getQueuedMs())
                .isGreaterThanOrEqualTo(Math.floor(e.getTimings().getModelMs()));
        assertThat(e.getExplainedAt().toEpochMilli() - eventTime.toEpochMilli())
                .isEqualTo((long) e.getTimings().getTotalMs());
    }

    @Test
    void shouldSendEveryBadRecordToTheDeadLetterTopicWithItsKindWhenInterleavedWithGoodOnes() {
        start(new LinearTestEngine(4, 4, 1, 3, 7, pixels -> pixels[0] == 0.5f), Map.of());
        long t = T0.toEpochMilli();
        Map<String, RejectionKind> bad = new HashMap<>();
        List<Runnable> sends = new ArrayList<>();
        // garbage bytes
        sends.add(() -> images.pipeInput("garbage".getBytes(), new byte[] {0, 1, 2, 3, 42}, T0));
        bad.put("garbage", RejectionKind.UNDESERIALISABLE);
        // empty value
        sends.add(() -> images.pipeInput("empty".getBytes(), new byte[0], T0));
        bad.put("empty", RejectionKind.EMPTY_VALUE);
        // null value (tombstone)
        sends.add(() -> images.pipeInput("tombstone".getBytes(), null, T0));
        bad.put("tombstone", RejectionKind.EMPTY_VALUE);
        // null key
        ImageInput keyless = image(100, null, T0);
        sends.add(() -> images.pipeInput(
                null,
                format.writeImage("t", new ImageInput("keyless", "RAW_U8", 4, 4, 1, keyless.data(), null, t)),
                T0));
        bad.put("keyless", RejectionKind.MISSING_KEY);
        addBad(sends, bad, new ImageInput("wide", "RAW_U8", 5, 4, 1, new byte[20], null, t), RejectionKind.WRONG_SHAPE);
        addBad(
                sends,
                bad,
                new ImageInput("short", "RAW_U8", 4, 4, 1, new byte[15], null, t),
                RejectionKind.WRONG_SHAPE);
        addBad(
                sends,
                bad,
                new ImageInput("rgb", "RAW_U8", 4, 4, 3, new byte[48], null, t),
                RejectionKind.WRONG_CHANNELS);
        addBad(
                sends,
                bad,
                new ImageInput("bmp", "BMP", 4, 4, 1, new byte[16], null, t),
                RejectionKind.UNSUPPORTED_ENCODING);
        addBad(
                sends,
                bad,
                new ImageInput("broken-png", "PNG", 4, 4, 1, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1}, null, t),
                RejectionKind.UNDECODABLE);
        addBad(
                sends,
                bad,
                new ImageInput("big-png", "PNG", 4, 4, 1, Images.png(8, 8, BufferedImage.TYPE_BYTE_GRAY), null, t),
                RejectionKind.WRONG_SHAPE);
        addBad(sends, bad, new ImageInput("huge", "RAW_U8", 4, 4, 1, new byte[2000], null, t), RejectionKind.OVERSIZE);
        float[] withNan = new float[SIZE];
        withNan[3] = Float.NaN;
        addBad(
                sends,
                bad,
                new ImageInput("nan", "RAW_F32", 4, 4, 1, Images.f32(withNan), null, t),
                RejectionKind.NON_FINITE);
        float[] withInf = new float[SIZE];
        withInf[0] = Float.POSITIVE_INFINITY;
        addBad(
                sends,
                bad,
                new ImageInput("inf", "RAW_F32", 4, 4, 1, Images.f32(withInf), null, t),
                RejectionKind.NON_FINITE);
        float[] huge = new float[SIZE];
        huge[5] = 1e30f;
        addBad(
                sends,
                bad,
                new ImageInput("out-of-range", "RAW_F32", 4, 4, 1, Images.f32(huge), null, t),
                RejectionKind.OUT_OF_RANGE);
        // the model has 3 classes: labels 3 and -1 name none of them
        addBad(sends, bad, Images.rawU8("label-3", 4, 4, 1, 1, 3, t), RejectionKind.LABEL_OUT_OF_RANGE);
        addBad(sends, bad, Images.rawU8("label-minus-1", 4, 4, 1, 2, -1, t), RejectionKind.LABEL_OUT_OF_RANGE);
        // a few hundred bytes whose header declares 600×600: refused from the header
        addBad(
                sends,
                bad,
                new ImageInput("bomb-png", "PNG", 4, 4, 1, Images.png(600, 600, BufferedImage.TYPE_BYTE_GRAY), null, t),
                RejectionKind.OVERSIZE);
        float[] poison = new float[SIZE];
        poison[0] = 0.5f;
        addBad(
                sends,
                bad,
                new ImageInput("poison", "RAW_F32", 4, 4, 1, Images.f32(poison), null, t),
                RejectionKind.MODEL_ERROR);

        List<String> good = new ArrayList<>();
        int i = 0;
        for (Runnable badSend : sends) {
            ImageInput image = image(i++, null, T0);
            good.add(image.imageId());
            send(image);
            badSend.run();
        }
        // a valid PNG and a valid RAW_F32 are explained too
        ImageInput png = new ImageInput("png", "PNG", 4, 4, 1, Images.png(4, 4, BufferedImage.TYPE_BYTE_GRAY), null, t);
        send(png);
        good.add("png");
        ImageInput f32 = new ImageInput("f32", "RAW_F32", 4, 4, 1, Images.f32(new float[SIZE]), null, t);
        send(f32);
        good.add("f32");
        driver.advanceWallClockTime(Duration.ofMillis(60));

        Map<String, DeadLetter> dead =
                deadLetters.readKeyValuesToList().stream().collect(Collectors.toMap(kv -> kv.key, kv -> kv.value));
        assertThat(dead).containsOnlyKeys(bad.keySet());
        bad.forEach((id, kind) -> {
            DeadLetter d = dead.get(id);
            assertThat(d.getRejectionKind()).as(id).isEqualTo(kind.name());
            assertThat(d.getMessage()).as(id).isNotBlank();
            assertThat(d.getSourceTopic()).isEqualTo(topics.images().name());
            assertThat(d.getOffset()).isNotNegative();
            assertThat(d.getApplication()).endsWith("/test");
        });
        assertThat(Buffers.bytes(dead.get("garbage").getValue())).containsExactly(0, 1, 2, 3, 42);
        assertThat(Buffers.bytes(dead.get("garbage").getKey())).isEqualTo("garbage".getBytes());
        assertThat(dead.get("bomb-png").getMessage()).contains("header says 600×600");
        assertThat(dead.get("out-of-range").getMessage()).contains("value 5 is 1.0E30");
        assertThat(bad.values().stream().distinct().count()).isGreaterThanOrEqualTo(11);
        assertThat(explanations.readKeyValuesToMap()).containsOnlyKeys(good);
    }

    private void addBad(List<Runnable> sends, Map<String, RejectionKind> bad, ImageInput image, RejectionKind kind) {
        sends.add(() -> send(image));
        bad.put(image.imageId(), kind);
    }

    @Test
    void shouldPublishTheDriftFiguresOfTheEnginesReferenceWhenAWindowCloses() {
        // the reference: predicted counts 10/0/10 and a certificate sample of 0.00, 0.01, ..., 0.99
        com.fasterxml.jackson.databind.node.ObjectNode json =
                new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        json.putArray("predictedClassCounts").add(10).add(0).add(10);
        json.putArray("predictedClassPriors").add(0.5).add(0).add(0.5);
        com.fasterxml.jackson.databind.node.ArrayNode sample = json.putArray("certificateSample");
        for (int i = 0; i < 100; i++) {
            sample.add(i / 100.0);
        }
        start(
                LinearTestEngine.small().withDriftReference(DriftReference.fromMetadata(json)),
                Map.of(
                        ExplainerConfig.DRIFT_MIN_COUNT_CONFIG,
                        1L,
                        ExplainerConfig.DRIFT_PVALUE_THRESHOLD_CONFIG,
                        0.5,
                        ExplainerConfig.DRIFT_PSI_THRESHOLD_CONFIG,
                        0.0,
                        ExplainerConfig.DRIFT_KS_THRESHOLD_CONFIG,
                        0.0));
        List<ImageInput> sent = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ImageInput image = image(i, null, T0.plusMillis(100 * i));
            sent.add(image);
            send(image);
        }
        driver.advanceWallClockTime(Duration.ofMillis(11_000 + MetricWindowsProcessor.PUNCTUATE_MS + 100));
        List<ExplanationMetrics> out = metrics.readValuesToList();
        assertThat(out).hasSize(1);
        DriftFigures drift = DriftFigures.of(out.get(0));

        // the same figures computed here from the engine's own results: a 2 × 3 table and a brute-force KS
        long[] histogram = new long[3];
        double[] radii = new double[sent.size()];
        for (int i = 0; i < sent.size(); i++) {
            ImageExplanation r = engine.explainOne(Images.decodeU8(sent.get(i).data()));
            histogram[r.predicted()]++;
            radii[i] = r.radius();
        }
        long[] reference = {10, 0, 10};
        double n = 20 + sent.size();
        double chiSquare = 0;
        int columns = 0;
        for (int k = 0; k < 3; k++) {
            double column = reference[k] + histogram[k];
            if (column == 0) {
                continue;
            }
            columns++;
            double expectedReference = 20 * column / n;
            double expectedWindow = sent.size() * column / n;
            chiSquare += Math.pow(reference[k] - expectedReference, 2) / expectedReference
                    + Math.pow(histogram[k] - expectedWindow, 2) / expectedWindow;
        }
        assertThat(drift.classMixChiSquare()).isCloseTo(chiSquare, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(drift.classMixPValue())
                .isCloseTo(
                        ClassMix.chiSquarePValue(chiSquare, columns - 1), org.assertj.core.data.Offset.offset(1e-12));
        double[] referenceSample = new double[100];
        for (int i = 0; i < 100; i++) {
            referenceSample[i] = i / 100.0;
        }
        double ks = 0;
        for (double[] points : new double[][] {radii, referenceSample}) {
            for (double x : points) {
                double window = Arrays.stream(radii).filter(v -> v <= x).count() / (double) radii.length;
                double ref = Arrays.stream(referenceSample).filter(v -> v <= x).count() / 100.0;
                ks = Math.max(ks, Math.abs(window - ref));
            }
        }
        assertThat(drift.certificateKs()).isCloseTo(ks, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(drift.certificateKsPValue()).isBetween(0.0, 1.0);
        assertThat(drift.classMixPsi()).isNotNull();
        List<String> alarms = new ArrayList<>();
        if (drift.classMixPValue() < 0.5) {
            alarms.add("CLASS_MIX");
        }
        if (drift.certificateKsPValue() < 0.5) {
            alarms.add("CERTIFICATE");
        }
        assertThat(drift.alarms()).isEqualTo(alarms);
    }

    @Test
    void shouldPublishNoDriftFiguresWhenTheEngineHasNoReference() {
        start(LinearTestEngine.small(), Map.of());
        send(image(1, null, T0.plusMillis(10)));
        driver.advanceWallClockTime(Duration.ofMillis(11_000 + MetricWindowsProcessor.PUNCTUATE_MS + 100));
        List<ExplanationMetrics> out = metrics.readValuesToList();
        assertThat(out).hasSize(1);
        assertThat(DriftFigures.of(out.get(0))).isEqualTo(DriftFigures.NONE);
    }

    @Test
    void shouldPublishOneFinalMetricsRecordPerWindowWhenTheWallClockPassesItsEndPlusGrace() {
        start(LinearTestEngine.small(), Map.of());
        List<ImageInput> first = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ImageInput image = image(i, i % 3, T0.plusMillis(100 * i));
            first.add(image);
            send(image);
        }
        images.pipeInput("garbage".getBytes(), new byte[] {1, 2, 3}, T0.plusMillis(700));
        driver.advanceWallClockTime(Duration.ofMillis(60));
        assertThat(metrics.isEmpty()).as("window still open").isTrue();

        // an image five minutes ahead (within the allowed skew) opens its own window and closes no other
        send(image(50, null, T0.plusSeconds(300)));
        driver.advanceWallClockTime(Duration.ofMillis(60));
        assertThat(metrics.isEmpty())
                .as("window still open after a future image")
                .isTrue();

        // the wall clock passes window end + grace, with no further image: the first window closes
        driver.advanceWallClockTime(Duration.ofMillis(11_000 - 180));
        assertThat(metrics.isEmpty()).as("window open until its end plus grace").isTrue();
        driver.advanceWallClockTime(Duration.ofMillis(MetricWindowsProcessor.PUNCTUATE_MS + 100));

        List<org.apache.kafka.streams.KeyValue<String, ExplanationMetrics>> out = metrics.readKeyValuesToList();
        assertThat(out).hasSize(1);
        ExplanationMetrics m = out.get(0).value;
        assertThat(out.get(0).key).isEqualTo("2026-11-23T16:00:00Z/linear-test@3");
        assertThat(m.getWindowStart().toEpochMilli()).isEqualTo(T0.toEpochMilli());
        assertThat(m.getWindowEnd().toEpochMilli()).isEqualTo(T0.toEpochMilli() + 10_000);
        assertThat(m.getExplainedCount()).isEqualTo(6);
        assertThat(m.getDeadLetteredCount()).isEqualTo(1);
        assertThat(m.getDeadLetteredByKind()).containsEntry("UNDESERIALISABLE", 1L);
        assertThat(m.getLabelledCount()).isEqualTo(6);

        List<ImageExplanation> expected = first.stream()
                .map(img -> engine.explainOne(Images.decodeU8(img.data())))
                .toList();
        long correct = 0;
        for (int i = 0; i < first.size(); i++) {
            if (expected.get(i).predicted() == first.get(i).label()) {
                correct++;
            }
        }
        assertThat(m.getAccuracy()).isCloseTo(correct / 6.0, org.assertj.core.data.Offset.offset(1e-9));
        double meanCertificate = expected.stream()
                .mapToDouble(ImageExplanation::radius)
                .average()
                .orElseThrow();
        assertThat(m.getCertificateMean()).isCloseTo(meanCertificate, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(Windows.quantiles(m.getCertificateQuantiles())).containsKeys("0.5", "0.99");
        assertThat(Windows.fractions(m.getCertifiedFractions())).containsOnlyKeys("0.1411764705882353", "0.5", "1.0");
        assertThat(m.getClassHistogram().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(6);
        assertThat(m.getBatchSizeMean()).isGreaterThanOrEqualTo(1.0);
        assertThat(Windows.quantiles(m.getLatencyQuantilesMs())).containsKey("0.99");
        int[] histogram = new int[3];
        expected.forEach(r -> histogram[r.predicted()]++);
        for (int k = 0; k < m.getClassHistogram().size(); k++) {
            assertThat(m.getClassHistogram().get(k)).isEqualTo(histogram[k]);
        }
        assertThat(Arrays.stream(histogram).sum()).isEqualTo(6);
    }
}
