package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.avro.Explanation;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.input.ImageDecoder;
import io.otnn.local.LocalStack;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.Topics;
import io.otnn.streams.explaining.OtnnEngine;
import io.otnn.streams.format.RecordFormat;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.KafkaTestClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Real broker, real registry, real OTNN engine (explain-core's dense 784-256-256-10 fixture checkpoint). */
class EndToEndTest {

    private static final int IMAGES = 2_000;

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withEngine();

    private static LocalStack stack;
    private static OtnnEngine engine;
    private static SchemaRegistryClient registry;
    private static RecordFormat format;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void sharePipelineParts() {
        stack = pipeline.stack();
        registry = pipeline.registry();
        format = pipeline.format();
        engine = pipeline.engine();
    }

    @Test
    void shouldPublishExactlyOneExplanationPerImageWithTheEnginesCertificateWhen2000ImagesAreSent() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> props = pipeline.explainerProps("e2e-" + run, "e2e-" + run + "-", stateDir);
        props.put(ExplainerConfig.INSTANCE_ID_CONFIG, "e2e");

        Map<String, ImageInput> sent;
        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(engine)
                .build()
                .start()) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            Topics topics = app.topics();
            KafkaTestClients.awaitLeaders(
                    stack.bootstrapServers(), topics.images().name(), 6);
            sent = KafkaTestClients.sendRandomImages(
                    stack.bootstrapServers(),
                    format,
                    topics.images().name(),
                    IMAGES,
                    "img-%05d",
                    new Random(2026),
                    true);

            List<ConsumerRecord<String, Explanation>> out = KafkaTestClients.readCommitted(
                    stack.bootstrapServers(),
                    topics.explanations(),
                    read -> read.size() >= IMAGES,
                    Duration.ofSeconds(300),
                    Duration.ofSeconds(2));

            assertThat(out).hasSize(IMAGES);
            Map<String, Explanation> byKey =
                    out.stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
            assertThat(byKey.keySet()).isEqualTo(sent.keySet());
            assertThat(out).allSatisfy(r -> {
                assertThat(r.value().getImageId()).isEqualTo(r.key());
                assertThat(r.value().getModelName()).isEqualTo("fixture-dense");
                assertThat(r.value().getModelVersion()).isEqualTo(1);
                assertThat(r.timestamp()).isEqualTo(sent.get(r.key()).eventTime());
            });
            double meanBatch = out.stream()
                    .mapToInt(r -> r.value().getBatchSize())
                    .average()
                    .orElseThrow();
            assertThat(meanBatch).as("micro-batching").isGreaterThan(1.0);

            // the certificate is the engine's for the same image
            ImageDecoder decoder = new ImageDecoder(engine.model().input(), 1 << 20);
            List<String> sample = sent.keySet().stream().sorted().limit(200).toList();
            float[][] pixels = new float[sample.size()][];
            for (int i = 0; i < sample.size(); i++) {
                pixels[i] = sent.get(sample.get(i)).decodeWith(decoder);
            }
            List<ImageExplanation> expected = engine.otnnModel().explain(pixels);
            Map<String, ImageExplanation> expectedById = sample.stream()
                    .collect(Collectors.toMap(Function.identity(), id -> expected.get(sample.indexOf(id))));
            for (String id : sample) {
                Explanation e = byKey.get(id);
                ImageExplanation x = expectedById.get(id);
                assertThat(e.getPredictedClass()).as(id).isEqualTo(x.predicted());
                assertThat(e.getRunnerUpClass()).as(id).isEqualTo(x.runnerUp());
                assertThat(e.getCertificate().getRadius()).as(id).isCloseTo(x.radius(), within(1e-5));
                assertThat(e.getCertificate().getFactor()).isEqualTo(x.certificateFactor());
                assertThat(e.getCertificate().getLipschitz()).isEqualTo(x.lipschitz());
            }
        }
    }
}
