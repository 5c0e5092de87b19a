package io.otnn.ingest.testing;

import io.otnn.avro.ImageEvent;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.serde.AvroSerdes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads the image events a publisher sent, from the start of a topic, in a fresh consumer group. */
public final class ImageEvents {
    private ImageEvents() {}

    /**
     * Up to {@code count} events of {@code topic}, waiting at most 60 s for them. {@code consumerConfig} holds the
     * connection (bootstrap servers, security, isolation level); the group and the start offset are set here.
     */
    public static List<ConsumerRecord<String, ImageEvent>> read(
            Map<String, Object> consumerConfig, SchemaRegistryClient registry, String topic, int count) {
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, ImageEvent>> read = new ArrayList<>();
        try (KafkaConsumer<String, ImageEvent> consumer = new KafkaConsumer<>(
                config,
                new StringDeserializer(),
                AvroSerdes.specific(ImageEvent.class, registry, false).deserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (read.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
        }
        return read;
    }
}
