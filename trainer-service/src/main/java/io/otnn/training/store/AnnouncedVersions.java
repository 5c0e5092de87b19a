package io.otnn.training.store;

import io.otnn.avro.ModelCheckpoint;
import io.otnn.training.kafka.KafkaSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;

/**
 * The largest version announced for each model name on the models topic, read from its beginning to its end (no
 * consumer group: nothing is committed), so that a new version is above any other trainer's.
 */
public final class AnnouncedVersions {

    private AnnouncedVersions() {}

    public static Map<String, Integer> read(KafkaSettings kafka, String topic, Duration timeout)
            throws TimeoutException {
        Map<String, Integer> max = new HashMap<>();
        try (KafkaConsumer<String, ModelCheckpoint> consumer = new KafkaConsumer<>(kafka.consumer(null))) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) return max;
            List<TopicPartition> partitions = infos.stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("could not read " + topic + " to its end within " + timeout);
                }
                try {
                    for (ConsumerRecord<String, ModelCheckpoint> r : consumer.poll(Duration.ofMillis(200))) {
                        if (r.value() == null) continue;
                        max.merge(r.value().getModelName(), r.value().getVersion(), Math::max);
                    }
                } catch (RecordDeserializationException e) {
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                }
            }
        }
        return max;
    }

    private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) return false;
        }
        return true;
    }
}
