package io.otnn.schemas.serde;

import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaMetadata;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer of Avro records (generated {@link SpecificRecord}s and {@link org.apache.avro.generic.GenericRecord}s)
 * in Confluent's wire format, registering or looking up the schema in a Confluent-compatible registry.
 * A null record becomes a null payload (a tombstone).
 *
 * <p>Configured from Kafka properties ({@link AvroSerdeConfig}) or built in code with a shared client
 * ({@link AvroSerdes}). Thread-safe after configuration.
 *
 * @param <T> the record type
 */
public class AvroSerializer<T> implements Serializer<T> {

    private SchemaRegistryClient client;
    private boolean ownsClient;
    private boolean isKey;
    private boolean autoRegister = true;
    private boolean useLatestVersion;
    private SubjectNameStrategy subjectNameStrategy = new TopicNameStrategy();
    // separate caches: a specific writer applies the generated class's logical-type conversions, which a
    // generic record of the same schema (e.g. a long timestamp) must not go through
    private final Map<Schema, DatumWriter<Object>> specificWriters = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<Object>> genericWriters = new ConcurrentHashMap<>();
    private final ThreadLocal<BinaryEncoder> encoders = new ThreadLocal<>();

    /** For Kafka's reflective instantiation; {@link #configure} must follow. */
    public AvroSerializer() {}

    /** A serializer over a shared client; {@link #configure} may still set the other options. */
    public AvroSerializer(SchemaRegistryClient client) {
        this.client = client;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.isKey = isKey;
        this.autoRegister = AvroSerdeConfig.bool(configs, AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true);
        this.useLatestVersion = AvroSerdeConfig.bool(configs, AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, false);
        this.subjectNameStrategy = AvroSerdeConfig.strategy(configs, isKey);
        if (client == null) {
            client = RestSchemaRegistryClient.fromConfig(configs);
            ownsClient = true;
        }
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        if (client == null) {
            throw new SerializationException("topic " + topic + ": the Avro serializer was not configured "
                    + "(no schema registry client; call configure() or use AvroSerdes)");
        }
        if (!(data instanceof IndexedRecord record)) {
            throw new SerializationException("topic " + topic + ": the Avro serializer writes Avro records only, "
                    + "got " + data.getClass().getName());
        }
        Schema schema = record.getSchema();
        String subject = subjectNameStrategy.subjectName(topic, isKey, schema);
        int id;
        Schema writerSchema = schema;
        try {
            if (useLatestVersion) {
                SchemaMetadata latest = client.getLatestSchemaMetadata(subject);
                id = latest.id();
                writerSchema = latest.schema();
            } else if (autoRegister) {
                id = client.register(subject, schema);
            } else {
                id = client.getId(subject, schema);
            }
        } catch (SchemaRegistryException e) {
            throw new SerializationException(
                    "topic " + topic + ": cannot " + (autoRegister && !useLatestVersion ? "register" : "look up")
                            + " the schema " + schema.getFullName() + " under subject " + subject
                            + ": " + e.getMessage(),
                    e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(WireFormat.MAGIC_BYTE);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        try {
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, encoders.get());
            encoders.set(encoder);
            writerFor(writerSchema, record).write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "topic " + topic + ": cannot write the " + schema.getFullName() + " record as Avro: "
                            + e.getMessage(),
                    e);
        }
        return out.toByteArray();
    }

    @SuppressWarnings("unchecked")
    private DatumWriter<Object> writerFor(Schema writerSchema, IndexedRecord record) {
        if (record instanceof SpecificRecord) {
            return specificWriters.computeIfAbsent(writerSchema, s -> (DatumWriter<Object>)
                    (DatumWriter<?>) new SpecificDatumWriter<>(s, SpecificData.getForClass(record.getClass())));
        }
        return genericWriters.computeIfAbsent(writerSchema, s -> new GenericDatumWriter<>(s, GenericData.get()));
    }

    @Override
    public void close() {
        if (ownsClient && client != null) {
            client.close();
        }
    }
}
