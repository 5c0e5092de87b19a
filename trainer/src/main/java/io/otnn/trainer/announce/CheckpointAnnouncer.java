package io.otnn.trainer.announce;

import io.otnn.avro.EpsilonFraction;
import io.otnn.avro.ModelCheckpoint;
import io.otnn.avro.Task;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.schemas.serde.AvroSerdeConfig;
import io.otnn.schemas.serde.AvroSerializer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Announces a published checkpoint: one {@code ModelCheckpoint} record (key = model name) on the compacted models
 * topic, created if missing, serialised with the project's Confluent-compatible Avro serde and schema registry.
 */
public final class CheckpointAnnouncer {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointAnnouncer.class);

    public static final String DEFAULT_TOPIC = "otnn.models";
    /** How long to wait for the topic creation and the broker's acknowledgement. */
    public static final long DEFAULT_TIMEOUT_SECONDS = 60;

    private final String bootstrapServers;
    private final String schemaRegistryUrl;
    private final String topic;
    private final Map<String, Object> clientProperties;

    public CheckpointAnnouncer(String bootstrapServers, String schemaRegistryUrl, String topic) {
        this(bootstrapServers, schemaRegistryUrl, topic, Map.of());
    }

    /**
     * As above with more client settings (security, registry credentials), applied to the producer and the admin
     * client under the bootstrap and registry settings.
     */
    public CheckpointAnnouncer(
            String bootstrapServers, String schemaRegistryUrl, String topic, Map<String, ?> clientProperties) {
        if (bootstrapServers == null || bootstrapServers.isBlank())
            throw new IllegalArgumentException("bootstrap servers are required");
        if (schemaRegistryUrl == null || schemaRegistryUrl.isBlank())
            throw new IllegalArgumentException("the schema registry URL is required");
        this.bootstrapServers = bootstrapServers;
        this.schemaRegistryUrl = schemaRegistryUrl;
        this.topic = topic == null ? DEFAULT_TOPIC : topic;
        this.clientProperties = Map.copyOf(clientProperties);
    }

    /** The event of a published run, served at {@code uri} (null: the checkpoint directory's {@code file:} URI). */
    public static ModelCheckpoint event(io.otnn.trainer.TrainingResult result, String uri) {
        ModelCheckpoint event = event(result.checkpoint(), result.metadata(), result.manifestDigest());
        if (uri != null) event.setUri(uri);
        return event;
    }

    /** The event for a checkpoint: identity, where it is, and the headline figures of its metadata. */
    public static ModelCheckpoint event(Path checkpoint, ModelMetadata m, String manifestDigest) {
        List<EpsilonFraction> certified = new ArrayList<>();
        if (m.evaluation() != null && m.evaluation().get("certifiedAccuracy") != null) {
            m.evaluation()
                    .get("certifiedAccuracy")
                    .fields()
                    .forEachRemaining(e -> certified.add(EpsilonFraction.newBuilder()
                            .setEpsilon(Double.parseDouble(e.getKey()))
                            .setFraction(e.getValue().asDouble())
                            .build()));
        }
        double accuracy = m.evaluationFigure("testAccuracy");
        return ModelCheckpoint.newBuilder()
                .setModelName(m.name())
                .setVersion(m.version())
                .setUri(checkpoint.toAbsolutePath().toUri().toString())
                .setManifestDigest(manifestDigest)
                .setTask(m.task() == ModelMetadata.Task.BINARY ? Task.BINARY : Task.MULTICLASS)
                .setClassNames(m.classNames())
                .setInputShape(m.input().shape())
                .setLipschitzConstant(m.lipschitzConstant())
                .setCertificateFactor(m.certificateFactor())
                .setTestAccuracy(Double.isNaN(accuracy) ? null : accuracy)
                .setCertifiedAccuracy(certified)
                .setCreatedTime(m.createdAt())
                .build();
    }

    /** Creates the compacted topic when missing, then sends the event and waits for the acknowledgement. */
    public RecordMetadata announce(ModelCheckpoint event)
            throws InterruptedException, ExecutionException, TimeoutException {
        ensureTopic();
        Map<String, Object> config = new HashMap<>(clientProperties);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistryUrl);
        // one record that must not be lost or duplicated
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (KafkaProducer<String, ModelCheckpoint> producer = new KafkaProducer<>(config)) {
            RecordMetadata md = producer.send(new ProducerRecord<>(topic, event.getModelName(), event))
                    .get(DEFAULT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            LOG.info(
                    "announced {} version {} on {} (partition {}, offset {})",
                    event.getModelName(),
                    event.getVersion(),
                    topic,
                    md.partition(),
                    md.offset());
            return md;
        }
    }

    void ensureTopic() throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, Object> adminConfig = new HashMap<>(clientProperties);
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(adminConfig)) {
            // compacted: the topic keeps the latest checkpoint of every model name
            NewTopic t = new NewTopic(topic, Optional.of(1), Optional.empty())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            try {
                admin.createTopics(List.of(t)).all().get(DEFAULT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                LOG.info("created the compacted topic {}", topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) throw e;
            }
        }
    }

    public String topic() {
        return topic;
    }
}
