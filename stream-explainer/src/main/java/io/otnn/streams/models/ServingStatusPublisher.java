package io.otnn.streams.models;

import io.otnn.avro.ModelCheckpoint;
import io.otnn.avro.ModelServingStatus;
import io.otnn.avro.ServingState;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.serde.AvroSerializer;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes what a slot did with each announcement it tried ({@code ModelServingStatus}: SERVING with its swap time,
 * or REFUSED with the reason) on {@code topic.models.status}, keyed by application/instance, for the dashboard.
 */
final class ServingStatusPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServingStatusPublisher.class);

    private final String topic;
    private final String application;
    private final String instance;
    private final FollowSpec spec;
    private final KafkaProducer<String, ModelServingStatus> producer;

    ServingStatusPublisher(
            Map<String, Object> clientProperties,
            SchemaRegistryClient registry,
            String topic,
            String application,
            String instance,
            FollowSpec spec) {
        this.topic = topic;
        this.application = application;
        this.instance = instance;
        this.spec = spec;
        Map<String, Object> props = new HashMap<>(ModelFollower.clientOnly(clientProperties));
        props.keySet().retainAll(ProducerConfig.configNames());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(
                ProducerConfig.CLIENT_ID_CONFIG,
                application + "-" + spec.role().name().toLowerCase() + "-status");
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new AvroSerializer<>(registry));
    }

    void serving(ModelCheckpoint event, long swapMs) {
        send(status(event, ServingState.SERVING, null, event.getVersion())
                .setSwapMs(swapMs)
                .build());
    }

    void refused(ModelCheckpoint event, String reason, Integer servingVersion) {
        send(status(event, ServingState.REFUSED, reason, servingVersion).build());
    }

    private ModelServingStatus.Builder status(
            ModelCheckpoint event, ServingState state, String reason, Integer servingVersion) {
        return ModelServingStatus.newBuilder()
                .setApplication(application)
                .setInstance(instance)
                .setRole(spec.role())
                .setModelName(event.getModelName())
                .setModelVersion(event.getVersion())
                .setState(state)
                .setReason(reason)
                .setServingVersion(servingVersion)
                .setUri(event.getUri())
                .setManifestDigest(event.getManifestDigest())
                .setSwapMs(null)
                .setTime(Instant.now());
    }

    private void send(ModelServingStatus status) {
        producer.send(new ProducerRecord<>(topic, application + "/" + instance, status), (metadata, e) -> {
            if (e != null) {
                LOG.warn(
                        "Could not publish the serving status of {} v{} on {}: {}",
                        status.getModelName(),
                        status.getModelVersion(),
                        topic,
                        e.toString());
            }
        });
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
