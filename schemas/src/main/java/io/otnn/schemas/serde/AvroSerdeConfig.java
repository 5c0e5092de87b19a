package io.otnn.schemas.serde;

import io.otnn.schemas.registry.SchemaRegistryClientConfig;
import java.util.Locale;
import java.util.Map;

/**
 * Configuration keys of {@link AvroSerializer} and {@link AvroDeserializer}. Names mirror Confluent's
 * {@code KafkaAvroSerializer} where it has them; the registry client's keys are in
 * {@link SchemaRegistryClientConfig}.
 */
public final class AvroSerdeConfig {

    /** Registry URL(s); required unless a client is passed in code. */
    public static final String SCHEMA_REGISTRY_URL_CONFIG = SchemaRegistryClientConfig.URL_CONFIG;
    /** Register the record's schema when it is not yet registered (default true). */
    public static final String AUTO_REGISTER_SCHEMAS_CONFIG = "auto.register.schemas";

    public static final String AUTO_REGISTER_SCHEMAS_DOC = "Register the record's schema under its subject when "
            + "serializing; when false the schema must already be registered (looked up, never written).";
    /** Write with the subject's latest registered schema instead of the record's own (default false). */
    public static final String USE_LATEST_VERSION_CONFIG = "use.latest.version";

    public static final String USE_LATEST_VERSION_DOC = "Serialize with the subject's latest schema and its id; "
            + "the record's fields must line up with that schema. Use with auto.register.schemas=false.";
    /** Subject strategy of keys: {@code topic} (default), {@code record}, {@code topic_record} or a class name. */
    public static final String KEY_SUBJECT_NAME_STRATEGY_CONFIG = "key.subject.name.strategy";
    /** Subject strategy of values: {@code topic} (default), {@code record}, {@code topic_record} or a class name. */
    public static final String VALUE_SUBJECT_NAME_STRATEGY_CONFIG = "value.subject.name.strategy";
    /** Deserialize into generated SpecificRecord classes found by the writer schema's full name (default false). */
    public static final String SPECIFIC_AVRO_READER_CONFIG = "specific.avro.reader";
    /**
     * Let the deserializer return null for a null payload (a tombstone) instead of failing (default false:
     * a null value is a bad payload). Set it for compacted topics read as tables.
     */
    public static final String TOMBSTONE_AS_NULL_CONFIG = "otnn.tombstone.as.null";

    private AvroSerdeConfig() {}

    static boolean bool(Map<String, ?> configs, String key, boolean fallback) {
        Object v = configs.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String s = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
        if (s.equals("true") || s.equals("false")) {
            return Boolean.parseBoolean(s);
        }
        throw new IllegalArgumentException("'" + key + "' must be true or false, was '" + v + "'");
    }

    static SubjectNameStrategy strategy(Map<String, ?> configs, boolean isKey) {
        String key = isKey ? KEY_SUBJECT_NAME_STRATEGY_CONFIG : VALUE_SUBJECT_NAME_STRATEGY_CONFIG;
        Object v = configs.get(key);
        if (v == null) {
            return new TopicNameStrategy();
        }
        if (v instanceof SubjectNameStrategy s) {
            return s;
        }
        if (v instanceof Class<?> c) {
            return instantiate(c, key);
        }
        String name = String.valueOf(v).trim();
        // accept our short names and the simple names of Confluent's strategy classes
        String simple = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        switch (simple) {
            case "topic":
            case "topicnamestrategy":
                return new TopicNameStrategy();
            case "record":
            case "recordnamestrategy":
                return new RecordNameStrategy();
            case "topic_record":
            case "topicrecordnamestrategy":
                return new TopicRecordNameStrategy();
            default:
                break;
        }
        try {
            return instantiate(Class.forName(name, true, Thread.currentThread().getContextClassLoader()), key);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException(
                    "'" + key + "' must be topic, record, topic_record or the class name" + " of a "
                            + SubjectNameStrategy.class.getName() + ", was '" + name + "'",
                    e);
        }
    }

    private static SubjectNameStrategy instantiate(Class<?> c, String key) {
        if (!SubjectNameStrategy.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException(
                    "'" + key + "': " + c.getName() + " does not implement " + SubjectNameStrategy.class.getName());
        }
        try {
            return (SubjectNameStrategy) c.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("'" + key + "': cannot instantiate " + c.getName(), e);
        }
    }
}
