package io.otnn.streams.fidelity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.Topics;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.Images;
import io.otnn.streams.testing.KafkaTestClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The online fidelity on the real broker, registry and engine: micro-batches of several tasks, each batch's sampled
 * images measured in one forward pass, the figures published in Avro on the metrics topic and read back with
 * {@code read_committed}, against explain-core's offline metrics on the same images.
 */
class FidelityEndToEndTest {

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withEngine();

    @TempDir
    Path stateDir;

    @Test
    void shouldPublishTheOfflineMeanOfTheSampledImagesWhenBatchesOnTheBrokerMeasureThem() throws Exception {
        double rate = 0.1;
        Map<String, Object> props = pipeline.explainerProps("fidelity-e2e", stateDir);
        props.put(ExplainerConfig.FIDELITY_SAMPLE_RATE_CONFIG, rate);
        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(pipeline.engine())
                .build()
                .start()) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            Topics topics = app.topics();
            KafkaTestClients.awaitLeaders(
                    pipeline.stack().bootstrapServers(), topics.images().name(), 6);
            Map<String, ImageInput> sent = KafkaTestClients.sendRandomImages(
                    pipeline.stack().bootstrapServers(),
                    pipeline.format(),
                    topics.images().name(),
                    240,
                    "fid-%03d",
                    new Random(17),
                    false);

            List<ConsumerRecord<String, Explanation>> explained = KafkaTestClients.readCommitted(
                    pipeline.stack().bootstrapServers(),
                    topics.explanations(),
                    read -> read.size() >= sent.size(),
                    Duration.ofSeconds(180));
            assertThat(explained).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(sent.keySet());
            assertThat(explained.stream()
                            .mapToInt(r -> r.value().getBatchSize())
                            .max()
                            .orElseThrow())
                    .as("images measured in batches of several")
                    .isGreaterThan(1);

            List<ExplanationMetrics> windows = KafkaTestClients.readCommitted(
                            pipeline.stack().bootstrapServers(),
                            topics.metrics(),
                            read -> read.stream()
                                            .mapToLong(r -> r.value().getExplainedCount())
                                            .sum()
                                    >= sent.size(),
                            Duration.ofSeconds(120))
                    .stream()
                    .map(ConsumerRecord::value)
                    .toList();
            assertThat(windows.stream()
                            .mapToLong(ExplanationMetrics::getExplainedCount)
                            .sum())
                    .isEqualTo(sent.size());

            FidelitySampler sampler = new FidelitySampler(rate);
            List<String> ids = new ArrayList<>();
            List<float[]> pixels = new ArrayList<>();
            sent.values().stream()
                    .filter(image -> sampler.sampled(image.imageId()))
                    .forEach(image -> {
                        ids.add(image.imageId());
                        pixels.add(Images.decodeU8(image.data()));
                    });
            long published = windows.stream()
                    .mapToLong(ExplanationMetrics::getFidelitySampleCount)
                    .sum();
            assertThat(published).isEqualTo(ids.size()).isGreaterThan(1);
            // the windows' means, weighted by their samples, are the mean over all the sampled images
            double mu = windows.stream()
                            .filter(w -> w.getFidelitySampleCount() > 0)
                            .mapToDouble(w -> w.getMuFidelity() * w.getFidelitySampleCount())
                            .sum()
                    / published;
            double deletion = windows.stream()
                            .filter(w -> w.getFidelitySampleCount() > 0)
                            .mapToDouble(w -> w.getDeletionAuc() * w.getFidelitySampleCount())
                            .sum()
                    / published;

            double[][] offline = OfflineFidelity.of(
                    pipeline.engine().otnnModel(),
                    ids,
                    pixels.toArray(float[][]::new),
                    new ExplainerConfig(props).fidelitySettings());
            double muOffline = java.util.Arrays.stream(offline)
                    .mapToDouble(v -> v[0])
                    .average()
                    .orElseThrow();
            double deletionOffline = java.util.Arrays.stream(offline)
                    .mapToDouble(v -> v[1])
                    .average()
                    .orElseThrow();
            assertThat(mu).isCloseTo(muOffline, within(1e-5));
            assertThat(deletion).isCloseTo(deletionOffline, within(1e-4));
            assertThat(windows)
                    .allSatisfy(w -> assertThat(w.getMuFidelity() == null).isEqualTo(w.getFidelitySampleCount() == 0));
        }
    }
}
