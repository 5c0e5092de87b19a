package io.otnn.schemas.serde;

import io.otnn.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;

/**
 * Ready-configured serdes over a shared {@link SchemaRegistryClient}, for code (Kafka Streams topologies,
 * producers, tests). Options not given default as in {@link AvroSerdeConfig} (auto-register on, topic-name
 * subjects).
 */
public final class AvroSerdes {

    private AvroSerdes() {}

    /** A serde of a generated record class; reads older and newer versions into {@code type}. */
    public static <T extends SpecificRecord> AvroSerde<T> specific(
            Class<T> type, SchemaRegistryClient client, boolean isKey) {
        return specific(type, client, isKey, Map.of());
    }

    /** As {@link #specific(Class, SchemaRegistryClient, boolean)} with extra {@link AvroSerdeConfig} settings. */
    public static <T extends SpecificRecord> AvroSerde<T> specific(
            Class<T> type, SchemaRegistryClient client, boolean isKey, Map<String, ?> configs) {
        AvroSerde<T> serde = new AvroSerde<>(new AvroSerializer<>(client), new AvroDeserializer<>(client, type, null));
        serde.configure(configs, isKey);
        return serde;
    }

    /** A serde of generic records read with their writer schema. */
    public static AvroSerde<GenericRecord> generic(SchemaRegistryClient client, boolean isKey) {
        return generic(client, isKey, null, Map.of());
    }

    /** A serde of generic records read with {@code readerSchema} (null: the writer schema). */
    public static AvroSerde<GenericRecord> generic(
            SchemaRegistryClient client, boolean isKey, Schema readerSchema, Map<String, ?> configs) {
        AvroSerde<GenericRecord> serde =
                new AvroSerde<>(new AvroSerializer<>(client), new AvroDeserializer<>(client, null, readerSchema));
        serde.configure(configs, isKey);
        return serde;
    }
}
