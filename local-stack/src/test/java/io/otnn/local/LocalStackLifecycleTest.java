package io.otnn.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStackLifecycleTest {

    @Test
    void shouldLeaveNoNonDaemonThreadAndDeleteTempDirWhenClosed() throws Exception {
        Set<Thread> before = nonDaemonThreads();
        Path dataDir;
        try (LocalStack stack = LocalStack.start()) {
            dataDir = stack.dataDir();
            assertThat(stack.bootstrapServers()).startsWith("127.0.0.1:");
            assertThat(stack.schemaRegistryUrl()).startsWith("http://127.0.0.1:");
            roundTrip(stack.bootstrapServers(), "lifecycle", "hello");
            assertThat(Files.isDirectory(dataDir)).isTrue();
        }
        assertThat(Files.exists(dataDir)).as("temporary data directory deleted").isFalse();
        awaitNoNewNonDaemonThreads(before);
    }

    @Test
    void shouldKeepTopicDataWhenRestartedOnSameDataDir(@TempDir Path dir) throws Exception {
        try (LocalStack stack =
                LocalStack.start(LocalStackConfig.builder().dataDir(dir).build())) {
            try (KafkaProducer<String, String> producer = producer(stack.bootstrapServers())) {
                producer.send(new ProducerRecord<>("kept", "k", "survives restart"))
                        .get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(Files.isDirectory(dir.resolve("kafka")))
                .as("given data directory kept")
                .isTrue();
        try (LocalStack stack =
                LocalStack.start(LocalStackConfig.builder().dataDir(dir).build())) {
            assertThat(consume(stack.bootstrapServers(), "kept", 1)).containsExactly("survives restart");
        }
    }

    @Test
    void shouldRefuseWhenPortIsOutOfRange() {
        assertThatThrownBy(() -> LocalStackConfig.builder().kafkaPort(70_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0..65535");
    }

    @Test
    void shouldFailClearlyWhenRegistryPortIsTaken() throws Exception {
        try (LocalStack first = LocalStack.start()) {
            int taken = first.registry().port();
            assertThatThrownBy(() -> LocalSchemaRegistry.start(first.bootstrapServers(), taken))
                    .isInstanceOf(LocalStackException.class)
                    .hasMessageContaining(String.valueOf(taken));
        }
    }

    @Test
    void shouldFailClearlyAfterOneAttemptWhenFixedKafkaPortIsTaken(@TempDir Path dir) throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> EmbeddedKafkaBroker.start(dir, port, Map.of()))
                    .isInstanceOf(LocalStackException.class)
                    .hasMessageContaining("after 1 attempts")
                    .hasMessageContaining("is port " + port + " already in use?");
        }
    }

    static void roundTrip(String bootstrap, String topic, String value) throws Exception {
        try (KafkaProducer<String, String> producer = producer(bootstrap)) {
            producer.send(new ProducerRecord<>(topic, "k", value)).get(30, TimeUnit.SECONDS);
        }
        assertThat(consume(bootstrap, topic, 1)).containsExactly(value);
    }

    static KafkaProducer<String, String> producer(String bootstrap) {
        return new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(),
                new StringSerializer());
    }

    static List<String> consume(String bootstrap, String topic, int count) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG,
                "test-" + topic + "-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest");
        List<String> values = new java.util.ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < count && System.nanoTime() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                records.forEach(r -> values.add(r.value()));
            }
        }
        return values;
    }

    private static Set<Thread> nonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !t.isDaemon() && t.isAlive())
                .collect(Collectors.toSet());
    }

    private static void awaitNoNewNonDaemonThreads(Set<Thread> before) throws InterruptedException {
        Set<Thread> left = Set.of();
        for (int i = 0; i < 50; i++) {
            left = nonDaemonThreads().stream().filter(t -> !before.contains(t)).collect(Collectors.toSet());
            if (left.isEmpty()) {
                return;
            }
            Thread.sleep(100);
        }
        assertThat(left.stream().map(Thread::getName).collect(Collectors.toList()))
                .as("non-daemon threads left behind 5 s after close")
                .isEmpty();
    }
}
