package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.avro.Explanation;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.input.ImageDecoder;
import io.otnn.explain.testing.Fixtures;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.Topics;
import io.otnn.streams.explaining.OtnnEngine;
import io.otnn.streams.format.AvroRecordFormat;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.testing.KafkaTestClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The end-to-end scenario against the real products: Apache Kafka and Confluent Schema Registry in containers.
 * Skipped (reported as such) where Docker is absent.
 */
@Testcontainers(disabledWithoutDocker = true)
class EndToEndTestcontainersTest {

    private static final int IMAGES = 2_000;
    private static final Network NETWORK = Network.newNetwork();

    @Container
    static final KafkaContainer KAFKA =
            new KafkaContainer("apache/kafka:4.1.1").withNetwork(NETWORK).withListener("kafka:19092");

    @Container
    static final GenericContainer<?> REGISTRY = new GenericContainer<>("confluentinc/cp-schema-registry:8.1.0")
            .withNetwork(NETWORK)
            .dependsOn(KAFKA)
            .withExposedPorts(8081)
            .withEnv("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
            .withEnv("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
            .withEnv("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:19092")
            .waitingFor(Wait.forHttp("/subjects").forStatusCode(200));

    @TempDir
    Path stateDir;

    @Test
    void shouldPublishExactlyOneExplanationPerImageWhenRunningOnKafkaAndConfluentSchemaRegistry() throws Exception {
        String registryUrl = "http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8081);
        Map<String, Object> props = new HashMap<>();
        props.put(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.getBootstrapServers());
        props.put(ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        try (OtnnEngine engine = OtnnEngine.load(Fixtures.denseMnist());
                SchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(registryUrl);
                StreamExplainerApp app = StreamExplainerApp.builder()
                        .setProperties(props)
                        .optEngine(engine)
                        .build()
                        .start()) {
            assertThat(app.awaitRunning(Duration.ofSeconds(120))).isTrue();
            AvroRecordFormat format = new AvroRecordFormat(registry);
            Topics topics = app.topics();
            Map<String, ImageInput> sent = KafkaTestClients.sendRandomImages(
                    KAFKA.getBootstrapServers(),
                    format,
                    topics.images().name(),
                    IMAGES,
                    "tc-%d",
                    new Random(2026),
                    false);
            List<ConsumerRecord<String, Explanation>> out = KafkaTestClients.readCommitted(
                    KAFKA.getBootstrapServers(),
                    topics.explanations(),
                    read -> read.size() >= IMAGES,
                    Duration.ofSeconds(300),
                    Duration.ofSeconds(2));
            Map<String, Explanation> byKey =
                    out.stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
            assertThat(out).hasSize(IMAGES);
            assertThat(byKey.keySet()).isEqualTo(sent.keySet());
            ImageDecoder decoder = new ImageDecoder(engine.model().input(), 1 << 20);
            ImageInput one = sent.get("tc-0");
            ImageExplanation expected = engine.otnnModel()
                    .explain(new float[][] {one.decodeWith(decoder)})
                    .get(0);
            assertThat(byKey.get("tc-0").getCertificate().getRadius()).isCloseTo(expected.radius(), within(1e-5));
        }
    }
}
