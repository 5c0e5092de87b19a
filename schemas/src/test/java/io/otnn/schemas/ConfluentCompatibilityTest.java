package io.otnn.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.otnn.avro.Explanation;
import io.otnn.avro.ImageEvent;
import io.otnn.schemas.registry.IncompatibleSchemaException;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.registry.SubjectNotFoundException;
import io.otnn.schemas.serde.AvroDeserializer;
import io.otnn.schemas.serde.AvroSerde;
import io.otnn.schemas.serde.AvroSerdeConfig;
import io.otnn.schemas.serde.AvroSerdes;
import io.otnn.schemas.serde.AvroSerializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The same client and serde against the real thing: Confluent Schema Registry and Apache Kafka in Docker.
 * Skipped (not failed) where Docker is absent.
 */
@Tag("docker")
@Testcontainers(disabledWithoutDocker = true)
class ConfluentCompatibilityTest {

    private static final Network NETWORK = Network.newNetwork();

    @Container
    private static final KafkaContainer KAFKA =
            new KafkaContainer("apache/kafka:4.1.1").withNetwork(NETWORK).withListener("kafka:19092");

    @Container
    private static final GenericContainer<?> REGISTRY = new GenericContainer<>("confluentinc/cp-schema-registry:7.9.1")
            .withNetwork(NETWORK)
            .dependsOn(KAFKA)
            .withExposedPorts(8081)
            .withEnv("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
            .withEnv("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
            .withEnv("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:19092")
            .waitingFor(Wait.forHttp("/subjects").forStatusCode(200).withStartupTimeout(Duration.ofMinutes(2)));

    private static String registryUrl;
    private static SchemaRegistryClient client;

    @BeforeAll
    static void connect() {
        registryUrl = "http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8081);
        client = RestSchemaRegistryClient.forUrl(registryUrl);
    }

    @AfterAll
    static void close() {
        if (client != null) {
            client.close();
        }
    }

    @Test
    void shouldRoundTripExplanationsThroughConfluentRegistryAndKafkaWhenDockerIsAvailable() {
        Random random = new Random(21);
        Map<String, Object> producerConfig = new HashMap<>();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.getBootstrapServers());
        producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
        producerConfig.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
        List<Explanation> sent = new ArrayList<>();
        try (KafkaProducer<String, Explanation> producer = new KafkaProducer<>(producerConfig)) {
            for (int i = 0; i < 100; i++) {
                Explanation e = SampleRecords.explanation("tc-" + i, random);
                sent.add(e);
                producer.send(new ProducerRecord<>("otnn.explanations", e.getImageId(), e));
            }
        }
        Map<String, Object> consumerConfig = new HashMap<>();
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.getBootstrapServers());
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "tc");
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
        consumerConfig.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
        consumerConfig.put(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true);
        List<Explanation> received = new ArrayList<>();
        try (KafkaConsumer<String, Explanation> consumer = new KafkaConsumer<>(consumerConfig)) {
            consumer.subscribe(List.of("otnn.explanations"));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (received.size() < sent.size() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> received.add(r.value()));
            }
        }
        assertThat(received).containsExactlyElementsOf(sent);
        assertThat(client.getAllSubjects()).contains("otnn.explanations-value");
    }

    @Test
    void shouldMapConfluentErrorsAndRefuseIncompatibleSchemaWhenDockerIsAvailable() {
        Schema v1 = SchemaBuilder.record("Strict")
                .namespace("io.otnn.tc")
                .fields()
                .requiredString("id")
                .endRecord();
        Schema breaking = SchemaBuilder.record("Strict")
                .namespace("io.otnn.tc")
                .fields()
                .requiredString("id")
                .requiredInt("mandatory")
                .endRecord();
        int id = client.register("tc-strict-value", v1);
        assertThat(client.register("tc-strict-value", v1)).isEqualTo(id);
        assertThatThrownBy(() -> client.register("tc-strict-value", breaking))
                .isInstanceOf(IncompatibleSchemaException.class);
        assertThatThrownBy(() -> client.getLatestSchemaMetadata("tc-missing"))
                .isInstanceOf(SubjectNotFoundException.class);
        try (AvroSerde<ImageEvent> serde = AvroSerdes.specific(ImageEvent.class, client, false)) {
            byte[] bytes = serde.serializer().serialize("tc-images", SampleRecords.imageEvent("tc"));
            assertThat(serde.deserializer().deserialize("tc-images", bytes)).isEqualTo(SampleRecords.imageEvent("tc"));
        }
    }
}
