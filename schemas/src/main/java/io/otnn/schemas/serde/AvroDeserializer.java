package io.otnn.schemas.serde;

import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaNotFoundException;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer of Confluent-wire-format Avro payloads. The writer schema is fetched by id (and cached)
 * and resolved against a reader schema, so a consumer built on an older schema reads newer records:
 * <ul>
 *   <li>for a given SpecificRecord class, its schema is the reader schema;</li>
 *   <li>with {@code specific.avro.reader=true}, the generated class named like the writer schema;</li>
 *   <li>for GenericRecords, a given reader schema, or else the writer schema.</li>
 * </ul>
 * A bad payload (null unless {@code otnn.tombstone.as.null}, shorter than the header, wrong magic byte,
 * unknown schema id, truncated, garbage or trailing bytes) raises {@link SerializationException} whose
 * message names the topic and the problem.
 *
 * @param <T> the record type
 */
public class AvroDeserializer<T> implements Deserializer<T> {

    private SchemaRegistryClient client;
    private boolean ownsClient;
    private boolean isKey;
    private boolean specificReader;
    private boolean tombstoneAsNull;
    private final Class<T> specificClass;
    private final Schema readerSchema;
    private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();

    /** For Kafka's reflective instantiation; {@link #configure} must follow. */
    public AvroDeserializer() {
        this(null, null, null);
    }

    /**
     * @param client        shared registry client, or null to build one in {@link #configure}
     * @param specificClass generated class to read into, or null
     * @param readerSchema  reader schema for generic records, or null for the writer schema
     */
    public AvroDeserializer(SchemaRegistryClient client, Class<T> specificClass, Schema readerSchema) {
        this.client = client;
        this.specificClass = specificClass;
        this.readerSchema = specificClass != null ? SpecificData.get().getSchema(specificClass) : readerSchema;
        this.specificReader = specificClass != null;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.isKey = isKey;
        this.specificReader = specificClass != null
                || AvroSerdeConfig.bool(configs, AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, false);
        this.tombstoneAsNull = AvroSerdeConfig.bool(configs, AvroSerdeConfig.TOMBSTONE_AS_NULL_CONFIG, false);
        if (client == null) {
            client = RestSchemaRegistryClient.fromConfig(configs);
            ownsClient = true;
        }
    }

    /** Returns null for null data only with {@code otnn.tombstone.as.null=true}. */
    public AvroDeserializer<T> tombstoneAsNull(boolean value) {
        this.tombstoneAsNull = value;
        return this;
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        String what = isKey ? "key" : "value";
        if (data == null) {
            if (tombstoneAsNull) {
                return null;
            }
            throw new SerializationException("topic " + topic + ": null " + what + " payload, expected an Avro "
                    + "record in the Confluent wire format");
        }
        if (client == null) {
            throw new SerializationException("topic " + topic + ": the Avro deserializer was not configured "
                    + "(no schema registry client; call configure() or use AvroSerdes)");
        }
        if (data.length < WireFormat.HEADER_SIZE) {
            throw new SerializationException("topic " + topic + ": truncated " + what + " payload of " + data.length
                    + " byte(s); the Confluent wire format needs at least " + WireFormat.HEADER_SIZE
                    + " (magic byte and 4-byte schema id)");
        }
        if (data[0] != WireFormat.MAGIC_BYTE) {
            throw new SerializationException(String.format(
                    "topic %s: unknown magic byte 0x%02x in %s payload " + "(expected 0x00, the Confluent wire format)",
                    topic, data[0] & 0xff, what));
        }
        int id = WireFormat.schemaId(data);
        DatumReader<T> reader = readerFor(topic, id);
        try {
            BoundedBinaryDecoder decoder =
                    new BoundedBinaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE);
            T result = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new SerializationException("topic " + topic + ": garbage after the Avro record in " + what
                        + " payload with schema id " + id);
            }
            return result;
        } catch (SerializationException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "topic " + topic + ": cannot decode the Avro " + what + " payload with " + "schema id " + id
                            + " (truncated or corrupt): " + e,
                    e);
        }
    }

    private DatumReader<T> readerFor(String topic, int id) {
        DatumReader<T> cached = readers.get(id);
        if (cached != null) {
            return cached;
        }
        Schema writer;
        try {
            writer = client.getSchemaById(id);
        } catch (SchemaNotFoundException e) {
            throw new SerializationException(
                    "topic " + topic + ": unknown schema id " + id + " (not in the schema registry): " + e.getMessage(),
                    e);
        } catch (SchemaRegistryException e) {
            throw new SerializationException(
                    "topic " + topic + ": cannot fetch schema id " + id + " from the schema registry: "
                            + e.getMessage(),
                    e);
        }
        DatumReader<T> reader = newReader(topic, writer);
        readers.put(id, reader);
        return reader;
    }

    @SuppressWarnings("unchecked")
    private DatumReader<T> newReader(String topic, Schema writer) {
        if (specificReader) {
            if (specificClass != null) {
                return new SpecificDatumReader<>(writer, readerSchema, SpecificData.getForClass(specificClass));
            }
            Class<?> generated = SpecificData.get().getClass(writer);
            if (generated == null || !SpecificRecord.class.isAssignableFrom(generated)) {
                throw new SerializationException("topic " + topic + ": specific.avro.reader is set but no generated "
                        + "class " + writer.getFullName() + " is on the class path");
            }
            SpecificData model = SpecificData.getForClass(generated);
            return (DatumReader<T>) new SpecificDatumReader<>(writer, model.getSchema(generated), model);
        }
        return new GenericDatumReader<>(writer, readerSchema == null ? writer : readerSchema, GenericData.get());
    }

    @Override
    public void close() {
        if (ownsClient && client != null) {
            client.close();
        }
    }
}
