package io.otnn.streams.fidelity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.datasets.IdxDataset;
import io.otnn.datasets.SampleData;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.input.ImageDecoder;
import io.otnn.explain.testing.Fixtures;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.Topics;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.explaining.ExplainerException;
import io.otnn.streams.explaining.ExplanationEngine;
import io.otnn.streams.explaining.OtnnEngine;
import io.otnn.streams.format.JsonRecordFormat;
import io.otnn.streams.format.RecordFormat;
import io.otnn.streams.metrics.MetricWindowsProcessor;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.topology.ExplainerTopology;
import java.io.IOException;
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
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fidelity of a metric window, through the whole topology (TopologyTestDriver) with the real TensorFlow engine,
 * against explain-core's offline metrics on the same images.
 */
class FidelityWindowTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final int COUNT = 40;

    private static OtnnEngine real;
    private static float[][] pixels;
    private static byte[][] bytes;

    private final RecordFormat format = new JsonRecordFormat();
    private final Topics topics = Topics.defaults(format);
    private TopologyTestDriver driver;
    private TestOutputTopic<String, Explanation> explanations;
    private TestOutputTopic<String, DeadLetter> deadLetters;
    private TestOutputTopic<String, ExplanationMetrics> metrics;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void load(@TempDir Path dir) throws IOException {
        real = OtnnEngine.load(Fixtures.denseMnist());
        // Fashion-MNIST test images, sent as the 8-bit bytes they were decoded from
        pixels = IdxDataset.readTestSet(
                        SampleData.extract(dir), new ImageDecoder(real.model().input(), 1 << 20), COUNT)
                .images();
        bytes = new byte[COUNT][];
        for (int i = 0; i < COUNT; i++) {
            bytes[i] = new byte[pixels[i].length];
            for (int p = 0; p < pixels[i].length; p++) {
                bytes[i][p] = (byte) Math.round(pixels[i][p] * 255);
            }
        }
    }

    @AfterAll
    static void unload() {
        real.close();
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private static String id(int i) {
        return "fashion-" + i;
    }

    /** Sends the images within one window, lets the wall clock close it, and returns its one metrics record. */
    private ExplanationMetrics runWindow(ExplanationEngine engine, double rate) {
        Map<String, Object> props = new HashMap<>();
        props.put(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(ExplainerConfig.METRICS_WINDOW_MS_CONFIG, 10_000L);
        props.put(ExplainerConfig.METRICS_GRACE_MS_CONFIG, 1_000L);
        props.put(ExplainerConfig.FIDELITY_SAMPLE_RATE_CONFIG, rate);
        ExplainerConfig config = new ExplainerConfig(props);
        Properties streams = config.streamsProperties();
        streams.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(ExplainerTopology.build(config, engine, topics), streams, T0);
        TestInputTopic<byte[], byte[]> images =
                driver.createInputTopic(topics.images().name(), new ByteArraySerializer(), new ByteArraySerializer());
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
        for (int i = 0; i < COUNT; i++) {
            Instant at = T0.plusMillis(100L * i);
            ImageInput image = new ImageInput(id(i), "RAW_U8", 28, 28, 1, bytes[i], null, at.toEpochMilli());
            images.pipeInput(
                    id(i).getBytes(StandardCharsets.UTF_8),
                    format.writeImage(topics.images().name(), image),
                    at);
        }
        driver.advanceWallClockTime(Duration.ofMillis(11_000 + 2 * MetricWindowsProcessor.PUNCTUATE_MS));
        List<ExplanationMetrics> windows = metrics.readValuesToList();
        assertThat(windows).hasSize(1);
        return windows.get(0);
    }

    private static List<Integer> sampled(double rate) {
        FidelitySampler sampler = new FidelitySampler(rate);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < COUNT; i++) {
            if (sampler.sampled(id(i))) {
                out.add(i);
            }
        }
        return out;
    }

    /** The offline means over the images {@code which}, with the stream's default settings. */
    private static double[] offlineMeans(List<Integer> which) {
        float[][] chosen = which.stream().map(i -> pixels[i]).toArray(float[][]::new);
        List<String> ids = which.stream().map(FidelityWindowTest::id).toList();
        FidelitySettings defaults =
                new ExplainerConfig(Map.of(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, "x:1")).fidelitySettings();
        double[][] perImage = OfflineFidelity.of(real.otnnModel(), ids, chosen, defaults);
        return new double[] {
            Arrays.stream(perImage).mapToDouble(v -> v[0]).average().orElseThrow(),
            Arrays.stream(perImage).mapToDouble(v -> v[1]).average().orElseThrow()
        };
    }

    private void assertEveryImageExplained() {
        Map<String, Explanation> out = explanations.readKeyValuesToMap();
        assertThat(out).hasSize(COUNT);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void shouldPublishTheOfflineMeanOverItsSampleWhenAWindowCloses() {
        double rate = 0.25;
        List<Integer> sample = sampled(rate);
        assertThat(sample).as("a proper subset of the images").isNotEmpty().hasSizeLessThan(COUNT);

        ExplanationMetrics window = runWindow(real, rate);

        assertEveryImageExplained();
        assertThat(window.getExplainedCount()).isEqualTo(COUNT);
        assertThat(window.getFidelitySampleCount()).isEqualTo(sample.size());
        double[] expected = offlineMeans(sample);
        assertThat(window.getMuFidelity()).isCloseTo(expected[0], within(1e-6));
        assertThat(window.getDeletionAuc()).isCloseTo(expected[1], within(1e-5));
        // the mean over all the images is another figure: the window's is that of its sample
        double[] all =
                offlineMeans(java.util.stream.IntStream.range(0, COUNT).boxed().toList());
        assertThat(window.getMuFidelity()).isNotCloseTo(all[0], within(1e-6));
    }

    @Test
    void shouldPublishAnEmptySampleAndNullFiguresWhenTheRateIsZero() {
        FailingForward counting = new FailingForward(real, Set.of(), Set.of());
        ExplanationMetrics window = runWindow(counting, 0);

        assertEveryImageExplained();
        assertThat(window.getExplainedCount()).isEqualTo(COUNT);
        assertThat(window.getFidelitySampleCount()).isZero();
        assertThat(window.getMuFidelity()).isNull();
        assertThat(window.getDeletionAuc()).isNull();
        assertThat(counting.forwardPasses).as("forward passes").isZero();
    }

    @Test
    void shouldStillExplainAnImageAndLeaveItOutOfTheSampleWhenItsFidelityCannotBeMeasured() {
        double rate = 0.25;
        List<Integer> sample = sampled(rate);
        assertThat(sample).hasSizeGreaterThanOrEqualTo(4);
        // the forward pass of the first sampled image fails, that of the second returns NaN
        int failing = sample.get(0);
        int nan = sample.get(1);
        ExplanationMetrics window = runWindow(new FailingForward(real, Set.of(failing), Set.of(nan)), rate);

        assertEveryImageExplained();
        assertThat(window.getExplainedCount()).isEqualTo(COUNT);
        List<Integer> measured = new ArrayList<>(sample);
        measured.removeAll(List.of(failing, nan));
        assertThat(window.getFidelitySampleCount()).isEqualTo(measured.size());
        double[] expected = offlineMeans(measured);
        assertThat(window.getMuFidelity()).isCloseTo(expected[0], within(1e-6));
        assertThat(window.getDeletionAuc()).isCloseTo(expected[1], within(1e-5));
    }

    /**
     * The real engine, whose forward pass fails (throws) or returns NaN logits when its first row is one of the given
     * images (the first row of an image's perturbed inputs is the image itself).
     */
    private static final class FailingForward implements ExplanationEngine {
        private final ExplanationEngine real;
        private final Set<Integer> failing;
        private final Set<Integer> nan;
        int forwardPasses;

        FailingForward(ExplanationEngine real, Set<Integer> failing, Set<Integer> nan) {
            this.real = real;
            this.failing = failing;
            this.nan = nan;
        }

        @Override
        public ModelMetadata model() {
            return real.model();
        }

        @Override
        public BatchExplainer newExplainer() {
            BatchExplainer explainer = real.newExplainer();
            return new BatchExplainer() {
                @Override
                public List<ImageExplanation> explain(float[][] images) {
                    return explainer.explain(images);
                }

                @Override
                public float[] logits(float[] flat, int n) {
                    forwardPasses++;
                    float[] first = Arrays.copyOf(flat, pixels[0].length);
                    for (int i : failing) {
                        if (Arrays.equals(first, pixels[i])) {
                            throw new ExplainerException("injected failure of the forward pass");
                        }
                    }
                    float[] logits = explainer.logits(flat, n);
                    for (int i : nan) {
                        if (Arrays.equals(first, pixels[i])) {
                            Arrays.fill(logits, Float.NaN);
                        }
                    }
                    return logits;
                }

                @Override
                public void close() {
                    explainer.close();
                }
            };
        }

        @Override
        public void close() {}
    }
}
