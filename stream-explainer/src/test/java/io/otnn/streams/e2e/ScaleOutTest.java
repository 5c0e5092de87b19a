package io.otnn.streams.e2e;

import io.otnn.streams.testing.EmbeddedPipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.otnn.local.LocalStack;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.Topics;
import io.otnn.streams.engine.OtnnEngine;
import io.otnn.streams.format.AvroRecordFormat;
import io.otnn.streams.records.ExplanationRecord;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.testing.KafkaTestClients;

/** Two instances with the same application id share the 6 image partitions; one stops mid-run. */
class ScaleOutTest {

    private static final int IMAGES = 3_000;

    private static EmbeddedPipeline pipeline;
    private static LocalStack stack;
    private static SchemaRegistryClient registry;
    private static OtnnEngine engine;

    @TempDir
    Path work;

    @BeforeAll
    static void startPipeline() {
        pipeline = EmbeddedPipeline.start(true);
        stack = pipeline.stack();
        registry = pipeline.registry();
        engine = pipeline.engine();
    }

    @AfterAll
    static void stopPipeline() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private StreamExplainerApp instance(String name) {
        Map<String, Object> props = new HashMap<>();
        props.put(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        props.put(ExplainerConfig.APPLICATION_ID_CONFIG, "scale-out");
        props.put(ExplainerConfig.INSTANCE_ID_CONFIG, name);
        props.put(StreamsConfig.STATE_DIR_CONFIG, work.resolve(name).toString());
        return StreamExplainerApp.builder().setProperties(props).optEngine(engine).build();
    }

    @Test
    void shouldExplainEveryImageExactlyOnceWhenTwoInstancesShareThePartitionsAndOneStopsMidRun() throws Exception {
        AvroRecordFormat format = new AvroRecordFormat(registry);
        try (StreamExplainerApp a = instance("a"); StreamExplainerApp b = instance("b")) {
            a.start();
            b.start();
            assertThat(a.awaitRunning(Duration.ofSeconds(60))).isTrue();
            assertThat(b.awaitRunning(Duration.ofSeconds(60))).isTrue();
            Topics topics = a.topics();
            Set<String> sent = new TreeSet<>();
            Random random = new Random(6);
            try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(stack.bootstrapServers())) {
                KafkaTestClients.awaitLeaders(stack.bootstrapServers(), topics.images().name(), 6);
                List<Future<RecordMetadata>> sends = new ArrayList<>();
                long now = System.currentTimeMillis();
                for (int i = 0; i < IMAGES; i++) {
                    byte[] pixels = new byte[784];
                    random.nextBytes(pixels);
                    ImageInput image = new ImageInput(String.format("scale-%05d", i), "RAW_U8", 28, 28, 1, pixels,
                            null, now + i);
                    sent.add(image.imageId());
                    sends.add(KafkaTestClients.send(producer, topics.images().name(),
                            image.imageId().getBytes(StandardCharsets.UTF_8),
                            format.writeImage(topics.images().name(), image), image.eventTime()));
                }
                producer.flush();
                KafkaTestClients.awaitAll(sends);
            }

            List<ConsumerRecord<String, ExplanationRecord>> early = KafkaTestClients.readCommitted(
                    stack.bootstrapServers(), topics.explanations(), read -> read.size() >= IMAGES / 4,
                    Duration.ofSeconds(300));
            Set<String> instancesBefore = early.stream().map(r -> r.value().explainerInstance())
                    .collect(Collectors.toSet());
            b.close();

            List<ConsumerRecord<String, ExplanationRecord>> out = KafkaTestClients.readCommitted(
                    stack.bootstrapServers(), topics.explanations(), read -> read.size() >= IMAGES,
                    Duration.ofSeconds(300), Duration.ofSeconds(2));
            Map<String, Long> perKey = out.stream()
                    .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
            Set<String> missing = new TreeSet<>(sent);
            missing.removeAll(perKey.keySet());
            assertThat(perKey.values()).as("one explanation per image").allMatch(count -> count == 1);
            assertThat(missing).as("images without an explanation (%d)", missing.size()).isEmpty();
            assertThat(perKey).hasSize(IMAGES);
            assertThat(instancesBefore).as("both instances worked before one stopped")
                    .containsExactlyInAnyOrder("scale-out/a", "scale-out/b");
        }
    }
}
