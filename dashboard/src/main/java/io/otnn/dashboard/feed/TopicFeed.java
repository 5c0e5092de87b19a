package io.otnn.dashboard.feed;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.avro.ModelCheckpoint;
import io.otnn.dashboard.DashboardConfig;
import io.otnn.dashboard.state.DashboardState;
import io.otnn.schemas.auth.CredentialFailures;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.serde.AvroSerdes;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer thread that reads the dashboard's topics from their beginning, {@code read_committed} (only what the
 * explainer's transactions committed), and hands each record to the {@link DashboardState}. Topics that do not exist
 * yet (the comparison, training-status and model-status topics exist once a shadow model, the trainer service or a
 * live swap writes them) are subscribed to all the same and read once they appear; the consumer never creates a topic. A record that cannot be deserialized is counted, never fatal.
 * No offset is committed: every start rebuilds the bounded state from the topics. Within a run, a rebalance (one
 * happens each time an optional topic appears) resumes every partition where this feed left it, so that no record is
 * handed to the state twice.
 */
public final class TopicFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TopicFeed.class);

    private final DashboardState state;
    private final SchemaRegistryClient registry;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Handler> handlers = new HashMap<>();
    private final Thread thread;
    /** the next offset to read of every partition read so far; only the feed's thread touches it */
    private final Map<TopicPartition, Long> positions = new HashMap<>();

    private volatile boolean closed;

    private interface Handler {
        void handle(byte[] value, long timestamp);
    }

    public TopicFeed(DashboardConfig config, DashboardState state) {
        this.state = state;
        Map<String, Object> settings = new HashMap<>(config.clientSettings());
        DashboardConfig.TOPIC_DEFAULTS.keySet().forEach(settings::remove);
        this.registry = RestSchemaRegistryClient.fromConfig(settings);
        Deserializer<Explanation> explanations =
                AvroSerdes.specific(Explanation.class, registry, false).deserializer();
        Deserializer<DeadLetter> deadLetters =
                AvroSerdes.specific(DeadLetter.class, registry, false).deserializer();
        Deserializer<ModelCheckpoint> checkpoints =
                AvroSerdes.specific(ModelCheckpoint.class, registry, false).deserializer();
        Deserializer<GenericRecord> generic =
                AvroSerdes.generic(registry, false).deserializer();

        String metrics = config.topic(DashboardConfig.TOPIC_METRICS_CONFIG);
        String explanationsTopic = config.topic(DashboardConfig.TOPIC_EXPLANATIONS_CONFIG);
        String deadLettersTopic = config.topic(DashboardConfig.TOPIC_DEAD_LETTERS_CONFIG);
        String models = config.topic(DashboardConfig.TOPIC_MODELS_CONFIG);
        handlers.put(metrics, (v, ts) -> state.onMetrics(generic.deserialize(metrics, v)));
        handlers.put(
                explanationsTopic,
                (v, ts) -> state.onExplanation(
                        explanations.deserialize(explanationsTopic, v), System.currentTimeMillis()));
        handlers.put(deadLettersTopic, (v, ts) -> state.onDeadLetter(deadLetters.deserialize(deadLettersTopic, v)));
        handlers.put(
                models, (v, ts) -> state.onCheckpoint(CheckpointReader.read(checkpoints.deserialize(models, v), ts)));
        // read as generic records by field name: a writer with more or fewer fields still shows what it has
        String comparison = config.topic(DashboardConfig.TOPIC_COMPARISON_CONFIG);
        String training = config.topic(DashboardConfig.TOPIC_TRAINING_STATUS_CONFIG);
        String serving = config.topic(DashboardConfig.TOPIC_MODELS_STATUS_CONFIG);
        handlers.put(comparison, (v, ts) -> state.onComparison(generic.deserialize(comparison, v)));
        handlers.put(training, (v, ts) -> state.onTrainingStatus(generic.deserialize(training, v)));
        handlers.put(serving, (v, ts) -> state.onServingStatus(generic.deserialize(serving, v)));

        settings.putIfAbsent(ConsumerConfig.GROUP_ID_CONFIG, "otnn-dashboard-" + UUID.randomUUID());
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        settings.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // an absent optional topic is noticed within this long of its creation
        settings.putIfAbsent(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "5000");
        settings.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "otnn-dashboard");
        Map<String, Object> consumerSettings = new HashMap<>();
        settings.forEach((k, v) -> {
            if (ConsumerConfig.configNames().contains(k)
                    || k.startsWith("sasl.")
                    || k.startsWith("ssl.")
                    || k.equals("security.protocol")) {
                consumerSettings.put(k, v);
            }
        });
        this.consumer = new KafkaConsumer<>(consumerSettings, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.consumer.subscribe(List.copyOf(handlers.keySet()), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                // without committed offsets a reassigned partition would start again from the beginning
                for (TopicPartition partition : partitions) {
                    Long next = positions.get(partition);
                    if (next != null) consumer.seek(partition, next);
                }
            }
        });
        this.thread = new Thread(this::run, "otnn-dashboard-feed");
        this.thread.setDaemon(true);
    }

    public TopicFeed start() {
        thread.start();
        return this;
    }

    private void run() {
        state.feedStatus("connecting to Kafka");
        try {
            while (!closed) {
                var records = consumer.poll(Duration.ofMillis(100));
                if (!consumer.assignment().isEmpty()) state.feedStatus("reading");
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    positions.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
                    Handler handler = handlers.get(record.topic());
                    if (handler == null || record.value() == null) continue;
                    try {
                        handler.handle(record.value(), record.timestamp());
                    } catch (RuntimeException e) {
                        Throwable root = e;
                        while (root.getCause() != null) root = root.getCause();
                        if (CredentialFailures.describe(e).isPresent()) {
                            state.feedStatus(
                                    "stopped: " + CredentialFailures.describe(e).get());
                            LOG.error(
                                    "Dashboard feed stopped: {}",
                                    CredentialFailures.describe(e).get());
                            return;
                        }
                        LOG.warn(
                                "Unreadable record on {} partition {} offset {}: {}",
                                record.topic(),
                                record.partition(),
                                record.offset(),
                                root.getMessage());
                        state.onUnreadable(record.topic());
                    }
                }
            }
        } catch (WakeupException e) {
            if (!closed) throw e;
        } catch (RuntimeException e) {
            String reason = CredentialFailures.describe(e).orElse(String.valueOf(e.getMessage()));
            state.feedStatus("stopped: " + reason);
            LOG.error("Dashboard feed stopped: {}", reason, e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() {
        closed = true;
        if (thread.getState() == Thread.State.NEW) {
            consumer.close(Duration.ofSeconds(5));
        } else {
            consumer.wakeup();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        registry.close();
    }
}
