package io.otnn.streams.testing;

import io.otnn.streams.Topic;
import io.otnn.streams.format.RecordFormat;
import io.otnn.streams.records.ImageInput;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;

/** Plain clients for the end-to-end tests: an idempotent byte producer and a read_committed topic reader. */
public final class KafkaTestClients {

    private KafkaTestClients() {}

    public static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.LINGER_MS_CONFIG,
                        5),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    public static Future<RecordMetadata> send(
            KafkaProducer<byte[], byte[]> producer, String topic, byte[] key, byte[] value, long timestamp) {
        return producer.send(new ProducerRecord<>(topic, null, timestamp, key, value));
    }

    /**
     * Sends {@code count} random 28×28 RAW_U8 images (ids {@code String.format(idFormat, i)}, event times now + i,
     * a random label 0–9 when {@code labelled}) and waits until the broker has them all; returns them in send order.
     */
    public static Map<String, ImageInput> sendRandomImages(
            String bootstrap,
            RecordFormat format,
            String topic,
            int count,
            String idFormat,
            Random random,
            boolean labelled)
            throws Exception {
        Map<String, ImageInput> sent = new LinkedHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            long now = System.currentTimeMillis();
            for (int i = 0; i < count; i++) {
                byte[] pixels = new byte[784];
                random.nextBytes(pixels);
                ImageInput image = new ImageInput(
                        String.format(idFormat, i),
                        "RAW_U8",
                        28,
                        28,
                        1,
                        pixels,
                        labelled ? random.nextInt(10) : null,
                        now + i);
                sent.put(image.imageId(), image);
                sends.add(send(
                        producer,
                        topic,
                        image.imageId().getBytes(StandardCharsets.UTF_8),
                        format.writeImage(topic, image),
                        image.eventTime()));
            }
            producer.flush();
            awaitAll(sends);
        }
        return sent;
    }

    /** Waits until every send succeeded; a test whose input did not arrive must fail here, not later. */
    public static void awaitAll(List<Future<RecordMetadata>> sends) throws Exception {
        for (Future<RecordMetadata> send : sends) {
            send.get(60, TimeUnit.SECONDS);
        }
    }

    /** Waits until every partition of a freshly created topic has a leader, so that the first sends succeed. */
    public static void awaitLeaders(String bootstrap, String topic, int partitions) throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                try {
                    TopicDescription description = admin.describeTopics(List.of(topic))
                            .allTopicNames()
                            .get()
                            .get(topic);
                    if (description.partitions().size() == partitions
                            && description.partitions().stream().allMatch(p -> p.leader() != null)
                            && leadersServe(admin, topic, partitions)) {
                        return;
                    }
                } catch (ExecutionException e) {
                    // not there yet
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("topic " + topic + " has no leaders after 30 s");
    }

    /**
     * Whether the leader of every partition answers for it (a list-offsets request goes to the leader): metadata can
     * name a leader before that broker serves the partition, and an idempotent producer's first batch sent then can
     * stay stuck until its delivery timeout.
     */
    private static boolean leadersServe(Admin admin, String topic, int partitions) throws InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        try {
            admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    /**
     * How many records of {@code topic} a {@code read_committed} consumer can read now: everything committed up to
     * the last stable offset of each partition (aborted records and transaction markers excluded).
     */
    public static int committedCount(String bootstrap, String topic, Duration timeout) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            int count = 0;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
                }
                count += consumer.poll(Duration.ofMillis(200)).count();
            }
            return count;
        }
    }

    /**
     * Reads the topic from the beginning with {@code read_committed} until {@code done} holds for what was read
     * or the timeout passes; returns everything read.
     */
    public static <K, V> List<ConsumerRecord<K, V>> readCommitted(
            String bootstrap, Topic<K, V> topic, Predicate<List<ConsumerRecord<K, V>>> done, Duration timeout) {
        return readCommitted(
                bootstrap,
                topic.name(),
                topic.keySerde().deserializer(),
                topic.valueSerde().deserializer(),
                done,
                timeout,
                Duration.ZERO);
    }

    /** As above, then keeps reading for {@code settle} so that duplicates arriving late are seen too. */
    public static <K, V> List<ConsumerRecord<K, V>> readCommitted(
            String bootstrap,
            Topic<K, V> topic,
            Predicate<List<ConsumerRecord<K, V>>> done,
            Duration timeout,
            Duration settle) {
        return readCommitted(
                bootstrap,
                topic.name(),
                topic.keySerde().deserializer(),
                topic.valueSerde().deserializer(),
                done,
                timeout,
                settle);
    }

    public static <K, V> List<ConsumerRecord<K, V>> readCommitted(
            String bootstrap,
            String topic,
            Deserializer<K> keys,
            Deserializer<V> values,
            Predicate<List<ConsumerRecord<K, V>>> done,
            Duration timeout,
            Duration settle) {
        List<ConsumerRecord<K, V>> read = new ArrayList<>();
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "reader-" + UUID.randomUUID(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest",
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                keys,
                values)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !done.test(read)) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
            long settleUntil = System.nanoTime() + settle.toNanos();
            while (System.nanoTime() < settleUntil) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
        }
        return read;
    }
}
