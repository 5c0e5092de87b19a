package io.otnn.training.testing;

import io.otnn.avro.ModelCheckpoint;
import io.otnn.avro.TrainingJobState;
import io.otnn.avro.TrainingStatus;
import io.otnn.training.kafka.KafkaSettings;
import io.otnn.training.status.StatusPublisher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a topic of Avro records from its beginning ({@code read_committed}, no group) and keeps every record, for
 * waiting on a condition with a bounded timeout: the status topic ({@link #statuses}) or the models topic
 * ({@link #models}).
 */
public final class StatusReader<V> implements AutoCloseable {

    private final KafkaConsumer<String, V> consumer;
    private final List<V> records = new ArrayList<>();

    private StatusReader(KafkaSettings kafka, String topic) {
        consumer = new KafkaConsumer<>(kafka.consumer(null));
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** The status topic, created as the service creates it when it is not there yet. */
    public static StatusReader<TrainingStatus> statuses(KafkaSettings kafka, String topic) {
        ensure(kafka, topic, StatusPublisher.PARTITIONS, false);
        return new StatusReader<>(kafka, topic);
    }

    public static StatusReader<ModelCheckpoint> models(KafkaSettings kafka, String topic) {
        ensure(kafka, topic, 1, true);
        return new StatusReader<>(kafka, topic);
    }

    private static void ensure(KafkaSettings kafka, String topic, int partitions, boolean compacted) {
        try {
            kafka.ensureTopic(topic, partitions, compacted);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create " + topic + ": " + e.getMessage(), e);
        }
    }

    /** Reads until a record matches, at most {@code timeout}; fails with what was read otherwise. */
    public V await(Predicate<V> condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (V v : records) if (condition.test(v)) return v;
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within " + timeout + "; read: "
                        + records.stream().map(String::valueOf).collect(Collectors.joining("\n  ", "\n  ", "")));
            }
            for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(200))) records.add(r.value());
        }
    }

    /** Reads what arrives during {@code duration}. */
    public List<V> drain(Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(200))) records.add(r.value());
        }
        return List.copyOf(records);
    }

    public List<V> all() {
        return List.copyOf(records);
    }

    public static Predicate<TrainingStatus> state(String requestId, TrainingJobState state) {
        return s -> s.getRequestId().equals(requestId) && s.getState() == state;
    }

    public static Predicate<TrainingStatus> ended(String requestId) {
        return s -> s.getRequestId().equals(requestId)
                && (s.getState() == TrainingJobState.SUCCEEDED
                        || s.getState() == TrainingJobState.FAILED
                        || s.getState() == TrainingJobState.REJECTED);
    }

    /** The statuses of one request, in the order published. */
    public static List<TrainingStatus> of(List<TrainingStatus> all, String requestId) {
        return all.stream().filter(s -> s.getRequestId().equals(requestId)).toList();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
