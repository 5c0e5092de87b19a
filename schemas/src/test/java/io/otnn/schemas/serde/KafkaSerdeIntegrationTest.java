package io.otnn.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.Explanation;
import io.otnn.local.LocalStack;
import io.otnn.schemas.SampleRecords;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The serde configured the Kafka way (class names and properties) through the real embedded broker. */
class KafkaSerdeIntegrationTest {

    private static LocalStack stack;

    @BeforeAll
    static void start() {
        stack = LocalStack.start();
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void shouldConsumeEveryRecordWhen1000ExplanationsAreProducedThroughTheSerde() throws Exception {
        String topic = "otnn.explanations.it";
        List<Explanation> sent = new ArrayList<>();
        Random random = new Random(11);
        try (KafkaProducer<String, Explanation> producer = new KafkaProducer<>(producerConfig(null))) {
            for (int i = 0; i < 1_000; i++) {
                Explanation e = SampleRecords.explanation("img-" + i, random);
                sent.add(e);
                producer.send(new ProducerRecord<>(topic, e.getImageId(), e));
            }
            producer.flush();
        }
        List<Explanation> received = consume(topic, "read_uncommitted", 1_000, Duration.ofSeconds(60));
        assertThat(received).hasSize(1_000).containsExactlyElementsOf(sent);
    }

    @Test
    void shouldExposeOnlyCommittedRecordsWhenProducingTransactionally() throws Exception {
        String topic = "otnn.explanations.tx";
        Random random = new Random(12);
        try (KafkaProducer<String, Explanation> producer = new KafkaProducer<>(producerConfig("otnn-test-tx"))) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 10; i++) {
                producer.send(
                        new ProducerRecord<>(topic, "aborted-" + i, SampleRecords.explanation("aborted-" + i, random)));
            }
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(
                        topic, "committed-" + i, SampleRecords.explanation("committed-" + i, random)));
            }
            producer.commitTransaction();
        }
        List<Explanation> committed = consume(topic, "read_committed", 20, Duration.ofSeconds(60));
        assertThat(committed)
                .hasSize(20)
                .allSatisfy(e -> assertThat(e.getImageId()).startsWith("committed-"));
        List<Explanation> everything = consume(topic, "read_uncommitted", 30, Duration.ofSeconds(60));
        assertThat(everything).hasSize(30);
    }

    @Test
    void shouldCarryTombstoneThroughBrokerWhenNullRecordIsProducedAndTombstonesAreAllowed() {
        String topic = "otnn.models.tombstones";
        try (KafkaProducer<String, Explanation> producer = new KafkaProducer<>(producerConfig(null))) {
            producer.send(new ProducerRecord<>(topic, "m", SampleRecords.explanation("m", new Random(13))));
            producer.send(new ProducerRecord<>(topic, "m", null));
            producer.flush();
        }
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, topic);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        config.put(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true);
        config.put(AvroSerdeConfig.TOMBSTONE_AS_NULL_CONFIG, true);
        List<ConsumerRecord<String, Explanation>> records = new ArrayList<>();
        try (KafkaConsumer<String, Explanation> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (records.size() < 2 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        assertThat(records).hasSize(2);
        assertThat(records.get(0).value().getImageId()).isEqualTo("m");
        assertThat(records.get(1).key()).isEqualTo("m");
        assertThat(records.get(1).value()).isNull();
    }

    private static Map<String, Object> producerConfig(String transactionalId) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        // batch the 1,000 sends rather than one request per record
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        if (transactionalId != null) {
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        return config;
    }

    private static List<Explanation> consume(String topic, String isolation, int expected, Duration timeout) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, topic + "-" + isolation);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        config.put(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true);
        List<Explanation> out = new ArrayList<>();
        try (KafkaConsumer<String, Explanation> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, Explanation> r : consumer.poll(Duration.ofMillis(200))) {
                    assertThat(r.key()).isEqualTo(r.value().getImageId());
                    out.add(r.value());
                }
            }
            // one more poll: nothing beyond the expected records may arrive
            consumer.poll(Duration.ofMillis(500)).forEach(r -> out.add(r.value()));
        }
        return out;
    }
}
