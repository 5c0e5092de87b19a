package io.otnn.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The registry's state, kept in a compacted Kafka topic ({@code _schemas}) in Confluent's record format
 * and mirrored in memory. The topic is the source of truth: it is read to the end when the store opens,
 * and every change is written to it (acknowledged by the broker) before it is applied in memory.
 *
 * <p>Single writer: one registry process per topic. Methods are synchronized.
 */
final class SchemaStore implements AutoCloseable {

    static final String DEFAULT_TOPIC = "_schemas";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One registered version of a subject. */
    record Version(String subject, int version, int id, String schema, boolean deleted) {}

    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Map<String, TreeMap<Integer, Version>> subjects = new HashMap<>();
    private final Map<Integer, String> schemasById = new HashMap<>();
    private final Map<String, Integer> idsBySchema = new HashMap<>();
    private final Map<String, CompatibilityRule> subjectLevels = new HashMap<>();
    private CompatibilityRule globalLevel = CompatibilityRule.BACKWARD;
    private int maxId;

    private SchemaStore(String topic, KafkaProducer<byte[], byte[]> producer) {
        this.topic = topic;
        this.producer = producer;
    }

    /** Creates the compacted topic if needed, reads it to the end, and opens the store for writing. */
    static SchemaStore open(String bootstrapServers, String topic) {
        return open(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), topic);
    }

    /** As {@link #open(String, String)}, connecting with {@code kafkaClient} (bootstrap servers and security). */
    static SchemaStore open(Map<String, Object> kafkaClient, String topic) {
        createTopicIfMissing(kafkaClient, topic);
        Map<String, Object> producerConfig = new HashMap<>(kafkaClient);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // a registry request must not hang when the broker is gone
        producerConfig.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        producerConfig.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        producerConfig.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, "otnn-local-registry-writer");
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        SchemaStore store = new SchemaStore(topic, producer);
        try {
            store.replay(kafkaClient);
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        return store;
    }

    private static void createTopicIfMissing(Map<String, Object> kafkaClient, String topic) {
        Map<String, Object> config = new HashMap<>(kafkaClient);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        try (Admin admin = Admin.create(config)) {
            NewTopic newTopic = new NewTopic(topic, 1, (short) 1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            admin.createTopics(List.of(newTopic)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new LocalStackException("cannot create the schema topic " + topic, e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalStackException("interrupted while creating the schema topic " + topic, e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new LocalStackException("timed out creating the schema topic " + topic, e);
        }
    }

    private void replay(Map<String, Object> kafkaClient) {
        Map<String, Object> config = new HashMap<>(kafkaClient);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "otnn-local-registry-reader");
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (consumer.position(partition) < end) {
                if (System.nanoTime() > deadline) {
                    throw new LocalStackException("timed out reading the schema topic " + topic);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    apply(record.key(), record.value());
                }
            }
        }
    }

    private void apply(byte[] key, byte[] value) {
        try {
            JsonNode k = JSON.readTree(key);
            String keyType = k.path("keytype").asText();
            if ("SCHEMA".equals(keyType)) {
                String subject = k.path("subject").asText();
                int version = k.path("version").asInt();
                if (value == null) {
                    Optional.ofNullable(subjects.get(subject)).ifPresent(m -> m.remove(version));
                    return;
                }
                JsonNode v = JSON.readTree(value);
                applyVersion(new Version(
                        subject,
                        version,
                        v.path("id").asInt(),
                        v.path("schema").asText(),
                        v.path("deleted").asBoolean(false)));
            } else if ("CONFIG".equals(keyType)) {
                String subject = k.hasNonNull("subject") ? k.get("subject").asText() : null;
                CompatibilityRule level = value == null
                        ? null
                        : CompatibilityRule.parse(
                                JSON.readTree(value).path("compatibilityLevel").asText());
                applyConfig(subject, level);
            }
            // other key types (NOOP, MODE, DELETE_SUBJECT...) carry nothing this registry uses
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new LocalStackException("unreadable record in the schema topic " + topic, e);
        }
    }

    private void applyVersion(Version v) {
        subjects.computeIfAbsent(v.subject(), s -> new TreeMap<>()).put(v.version(), v);
        schemasById.putIfAbsent(v.id(), v.schema());
        idsBySchema.putIfAbsent(v.schema(), v.id());
        maxId = Math.max(maxId, v.id());
    }

    private void applyConfig(String subject, CompatibilityRule level) {
        if (subject == null) {
            globalLevel = level == null ? CompatibilityRule.BACKWARD : level;
        } else if (level == null) {
            subjectLevels.remove(subject);
        } else {
            subjectLevels.put(subject, level);
        }
    }

    private void write(ObjectNode key, ObjectNode value) {
        try {
            byte[] k = JSON.writeValueAsBytes(key);
            byte[] v = value == null ? null : JSON.writeValueAsBytes(value);
            producer.send(new ProducerRecord<>(topic, 0, k, v)).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryError(500, RegistryError.STORE_ERROR, "interrupted while writing to " + topic, e);
        } catch (Exception e) {
            throw new RegistryError(
                    500,
                    RegistryError.STORE_ERROR,
                    "cannot write to the schema topic " + topic + ": " + e.getMessage(),
                    e);
        }
    }

    // ---- queries and commands used by the HTTP layer ----

    /** Parses and canonicalises an Avro schema; throws 42201 if it is not valid Avro. */
    static Schema parse(String schemaText) {
        if (schemaText == null || schemaText.isBlank()) {
            throw new RegistryError(422, RegistryError.INVALID_SCHEMA, "Invalid schema: empty");
        }
        try {
            Schema schema = new Schema.Parser().parse(schemaText);
            schema.toString(); // Avro 1.12 reports unresolved names only when the schema is written
            return schema;
        } catch (RuntimeException e) {
            throw new RegistryError(422, RegistryError.INVALID_SCHEMA, "Invalid schema: " + e.getMessage(), e);
        }
    }

    synchronized List<String> subjects() {
        return subjects.entrySet().stream()
                .filter(e -> e.getValue().values().stream().anyMatch(v -> !v.deleted()))
                .map(Map.Entry::getKey)
                .sorted()
                .collect(Collectors.toList());
    }

    synchronized List<Version> liveVersions(String subject) {
        TreeMap<Integer, Version> versions = subjects.get(subject);
        List<Version> live = versions == null
                ? List.of()
                : versions.values().stream().filter(v -> !v.deleted()).collect(Collectors.toList());
        if (live.isEmpty()) {
            throw new RegistryError(404, RegistryError.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
        }
        return live;
    }

    /** A version by number, or {@code -1} / "latest" for the newest live one. */
    synchronized Version version(String subject, String versionText) {
        List<Version> live = liveVersions(subject);
        if ("latest".equalsIgnoreCase(versionText) || "-1".equals(versionText)) {
            return live.get(live.size() - 1);
        }
        int number;
        try {
            number = Integer.parseInt(versionText);
        } catch (NumberFormatException e) {
            number = 0;
        }
        if (number < 1) {
            throw new RegistryError(
                    422,
                    RegistryError.INVALID_VERSION,
                    "The specified version '" + versionText
                            + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
        }
        final int wanted = number;
        return live.stream()
                .filter(v -> v.version() == wanted)
                .findFirst()
                .orElseThrow(() ->
                        new RegistryError(404, RegistryError.VERSION_NOT_FOUND, "Version " + wanted + " not found."));
    }

    synchronized String schemaById(int id) {
        String schema = schemasById.get(id);
        if (schema == null) {
            throw new RegistryError(404, RegistryError.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
        }
        return schema;
    }

    /** The live version of {@code subject} holding exactly this schema. */
    synchronized Version lookup(String subject, Schema schema) {
        String canonical = schema.toString();
        return liveVersions(subject).stream()
                .filter(v -> v.schema().equals(canonical))
                .findFirst()
                .orElseThrow(() -> new RegistryError(404, RegistryError.SCHEMA_NOT_FOUND, "Schema not found"));
    }

    synchronized CompatibilityRule effectiveLevel(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }

    synchronized Optional<CompatibilityRule> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    synchronized CompatibilityRule globalLevel() {
        return globalLevel;
    }

    /** Why {@code schema} cannot be registered under {@code subject} next to {@code against}. */
    synchronized List<String> incompatibilities(String subject, Schema schema, List<Version> against) {
        List<Schema> existing = against.stream().map(v -> parse(v.schema())).collect(Collectors.toList());
        return effectiveLevel(subject).incompatibilities(schema, existing);
    }

    /**
     * Registers {@code schema} under {@code subject}: returns the id of an identical live version if there is
     * one, refuses an incompatible schema (409), and otherwise writes a new version. A schema already known
     * under another subject keeps its global id.
     */
    synchronized int register(String subject, Schema schema) {
        String canonical = schema.toString();
        TreeMap<Integer, Version> versions = subjects.getOrDefault(subject, new TreeMap<>());
        List<Version> live =
                versions.values().stream().filter(v -> !v.deleted()).collect(Collectors.toList());
        for (Version v : live) {
            if (v.schema().equals(canonical)) {
                return v.id();
            }
        }
        List<String> problems = incompatibilities(subject, schema, live);
        if (!problems.isEmpty()) {
            throw new RegistryError(
                    409,
                    RegistryError.INCOMPATIBLE,
                    "Schema being registered is incompatible with"
                            + " an earlier schema for subject \"" + subject + "\" (" + effectiveLevel(subject) + "): "
                            + String.join("; ", problems));
        }
        int id = idsBySchema.getOrDefault(canonical, maxId + 1);
        int version = versions.isEmpty() ? 1 : versions.lastKey() + 1;
        ObjectNode key = JSON.createObjectNode()
                .put("keytype", "SCHEMA")
                .put("subject", subject)
                .put("version", version)
                .put("magic", 1);
        ObjectNode value = JSON.createObjectNode()
                .put("subject", subject)
                .put("version", version)
                .put("id", id)
                .put("schema", canonical)
                .put("deleted", false);
        write(key, value);
        applyVersion(new Version(subject, version, id, canonical, false));
        return id;
    }

    /** Soft-deletes every version of {@code subject}; returns the deleted version numbers. */
    synchronized List<Integer> deleteSubject(String subject) {
        List<Version> live = liveVersions(subject);
        List<Integer> deleted = new ArrayList<>();
        for (Version v : live) {
            ObjectNode key = JSON.createObjectNode()
                    .put("keytype", "SCHEMA")
                    .put("subject", subject)
                    .put("version", v.version())
                    .put("magic", 1);
            ObjectNode value = JSON.createObjectNode()
                    .put("subject", subject)
                    .put("version", v.version())
                    .put("id", v.id())
                    .put("schema", v.schema())
                    .put("deleted", true);
            write(key, value);
            applyVersion(new Version(subject, v.version(), v.id(), v.schema(), true));
            deleted.add(v.version());
        }
        return deleted;
    }

    /** Sets the level of one subject, or the global level when {@code subject} is null. */
    synchronized void setLevel(String subject, CompatibilityRule level) {
        ObjectNode key = JSON.createObjectNode().put("keytype", "CONFIG").put("magic", 0);
        if (subject == null) {
            key.putNull("subject");
        } else {
            key.put("subject", subject);
        }
        write(key, JSON.createObjectNode().put("compatibilityLevel", level.name()));
        applyConfig(subject, level);
    }

    synchronized int schemaCount() {
        return schemasById.size();
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
