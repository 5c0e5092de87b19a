package io.otnn.training.requests;

import io.otnn.avro.TrainingRequest;
import io.otnn.training.kafka.KafkaSettings;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends training requests to the trainer service, for the demo and operators:
 *
 * <pre>{@code
 * String id = TrainingRequests.send(bootstrap, registryUrl,
 *         TrainingRequests.builder("fashion-mnist-dense-otnn", "fashion-mnist", dataDir, 3).build());
 * }</pre>
 */
public final class TrainingRequests {

    /** The topic the service reads (key: model name). */
    public static final String TOPIC = "otnn.training.requests";

    public static final int PARTITIONS = 3;

    private TrainingRequests() {}

    /** A request with a fresh id and the current time; the other fields keep their schema defaults. */
    public static TrainingRequest.Builder builder(String modelName, String dataSource, String dataDir, int epochs) {
        return TrainingRequest.newBuilder()
                .setRequestId(UUID.randomUUID().toString())
                .setModelName(modelName)
                .setDataSource(dataSource)
                .setDataDir(dataDir)
                .setEpochs(epochs)
                .setRequestedAt(Instant.now());
    }

    /** Sends {@code request} on {@value #TOPIC} (created when missing) and waits for the broker; its request id. */
    public static String send(String bootstrapServers, String schemaRegistryUrl, TrainingRequest request)
            throws InterruptedException, ExecutionException, TimeoutException {
        return send(new KafkaSettings(bootstrapServers, schemaRegistryUrl), TOPIC, request);
    }

    public static String send(KafkaSettings kafka, String topic, TrainingRequest request)
            throws InterruptedException, ExecutionException, TimeoutException {
        kafka.ensureTopic(topic, PARTITIONS, false);
        try (KafkaProducer<String, TrainingRequest> producer = new KafkaProducer<>(kafka.producer())) {
            producer.send(new ProducerRecord<>(topic, request.getModelName(), request))
                    .get(KafkaSettings.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        return request.getRequestId();
    }
}
