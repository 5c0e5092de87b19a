package io.otnn.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.otnn.avro.ImageEvent;
import io.otnn.local.LocalStack;
import io.otnn.schemas.SampleRecords;
import io.otnn.schemas.registry.IncompatibleSchemaException;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Round trips of every schema of the contract, and schema evolution, against the real local registry. */
class AvroSerdeRoundTripTest {

    private static LocalStack stack;
    private static SchemaRegistryClient client;

    @BeforeAll
    static void start() {
        stack = LocalStack.start();
        client = RestSchemaRegistryClient.forUrl(stack.schemaRegistryUrl());
    }

    @AfterAll
    static void stop() {
        client.close();
        stack.close();
    }

    static Stream<Named<SpecificRecord>> records() {
        return SampleRecords.all().stream().map(r -> Named.of(r.getSchema().getName(), r));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("records")
    @SuppressWarnings("unchecked")
    void shouldRoundTripSpecificRecordWhenSerializedAndDeserialized(SpecificRecord record) {
        String topic = "specific-" + record.getSchema().getName();
        try (AvroSerde<SpecificRecord> serde =
                AvroSerdes.specific((Class<SpecificRecord>) record.getClass(), client, false)) {
            byte[] bytes = serde.serializer().serialize(topic, record);
            assertThat(bytes[0]).isZero();
            assertThat(WireFormat.schemaId(bytes))
                    .isEqualTo(client.getLatestSchemaMetadata(topic + "-value").id());
            SpecificRecord back = serde.deserializer().deserialize(topic, bytes);
            assertThat(back).isInstanceOf(record.getClass()).isEqualTo(record);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("records")
    @SuppressWarnings("unchecked")
    void shouldRoundTripGenericRecordWhenSerializedAndDeserialized(SpecificRecord record) {
        String topic = "generic-" + record.getSchema().getName();
        try (AvroSerde<SpecificRecord> specific =
                        AvroSerdes.specific((Class<SpecificRecord>) record.getClass(), client, false);
                AvroSerde<GenericRecord> generic = AvroSerdes.generic(client, false)) {
            GenericRecord asGeneric = generic.deserializer()
                    .deserialize(topic, specific.serializer().serialize(topic, record));
            assertThat(asGeneric).isNotInstanceOf(SpecificRecord.class);
            assertThat(asGeneric.getSchema()).isEqualTo(record.getSchema());
            byte[] bytes = generic.serializer().serialize(topic, asGeneric);
            GenericRecord genericAgain = generic.deserializer().deserialize(topic, bytes);
            assertThat(genericAgain).isEqualTo(asGeneric);
            assertThat(specific.deserializer().deserialize(topic, bytes)).isEqualTo(record);
        }
    }

    @Test
    void shouldWriteBothKindsWhenOneSerializerSeesSpecificAndGenericRecordsOfOneSchema() {
        ImageEvent specific = SampleRecords.imageEvent("mixed");
        try (AvroSerde<ImageEvent> specificSerde = AvroSerdes.specific(ImageEvent.class, client, false);
                AvroSerializer<Object> mixed = new AvroSerializer<>(client)) {
            mixed.configure(Map.of(), false);
            byte[] fromSpecific = mixed.serialize("mixed", specific);
            GenericRecord generic =
                    AvroSerdes.generic(client, false).deserializer().deserialize("mixed", fromSpecific);
            assertThat(generic.get("eventTime")).isInstanceOf(Long.class);
            byte[] fromGeneric = mixed.serialize("mixed", generic);
            assertThat(fromGeneric).isEqualTo(fromSpecific);
            assertThat(specificSerde.deserializer().deserialize("mixed", fromGeneric))
                    .isEqualTo(specific);
        }
    }

    @Test
    void shouldReadNewerRecordWhenConsumerHasOlderSchema() {
        Schema v1 = SchemaBuilder.record("Reading")
                .namespace("io.otnn.test")
                .fields()
                .requiredString("id")
                .requiredDouble("value")
                .endRecord();
        Schema v2 = SchemaBuilder.record("Reading")
                .namespace("io.otnn.test")
                .fields()
                .requiredString("id")
                .requiredDouble("value")
                .optionalString("unit")
                .endRecord();
        GenericRecord newer = new GenericData.Record(v2);
        newer.put("id", "r-1");
        newer.put("value", 2.5);
        newer.put("unit", "kg");
        try (AvroSerde<GenericRecord> producerSide = AvroSerdes.generic(client, false);
                AvroSerde<GenericRecord> oldConsumer = AvroSerdes.generic(client, false, v1, Map.of())) {
            producerSide.serializer().serialize("evolving", record(v1, "r-0", 1.0));
            byte[] bytes = producerSide.serializer().serialize("evolving", newer);
            assertThat(client.getAllVersions("evolving-value")).containsExactly(1, 2);
            GenericRecord read = oldConsumer.deserializer().deserialize("evolving", bytes);
            assertThat(read.getSchema()).isEqualTo(v1);
            assertThat(read.get("id")).hasToString("r-1");
            assertThat(read.get("value")).isEqualTo(2.5);
            assertThat(read.hasField("unit")).isFalse();
        }
    }

    @Test
    void shouldReadNewerImageEventIntoGeneratedClassWhenFieldWasAdded() {
        Schema v2 = withOptionalField(ImageEvent.getClassSchema(), "cameraGain");
        GenericRecord newer = new GenericData.Record(v2);
        ImageEvent original = SampleRecords.imageEvent("img-evolve");
        for (Schema.Field f : ImageEvent.getClassSchema().getFields()) {
            newer.put(f.name(), GenericData.get().deepCopy(f.schema(), original.get(f.pos())));
        }
        newer.put("eventTime", original.getEventTime().toEpochMilli());
        newer.put("encoding", new GenericData.EnumSymbol(v2.getField("encoding").schema(), "RAW_U8"));
        newer.put("cameraGain", 1.5);
        try (AvroSerde<GenericRecord> producerSide = AvroSerdes.generic(client, false);
                AvroSerde<ImageEvent> oldConsumer = AvroSerdes.specific(ImageEvent.class, client, false)) {
            oldConsumer.serializer().serialize("images-evolve", original);
            byte[] bytes = producerSide.serializer().serialize("images-evolve", newer);
            assertThat(client.getAllVersions("images-evolve-value")).containsExactly(1, 2);
            assertThat(oldConsumer.deserializer().deserialize("images-evolve", bytes))
                    .isEqualTo(original);
        }
    }

    @Test
    void shouldRefuseIncompatibleChangeWithClearErrorWhenRegistering() {
        Schema v1 = SchemaBuilder.record("Strict")
                .namespace("io.otnn.test")
                .fields()
                .requiredString("id")
                .endRecord();
        Schema breaking = SchemaBuilder.record("Strict")
                .namespace("io.otnn.test")
                .fields()
                .requiredString("id")
                .requiredInt("mandatoryWithoutDefault")
                .endRecord();
        client.register("strict-value", v1);
        assertThatThrownBy(() -> client.register("strict-value", breaking))
                .isInstanceOf(IncompatibleSchemaException.class)
                .hasMessageContaining("incompatible")
                .hasMessageContaining("strict-value")
                .hasMessageContaining("mandatoryWithoutDefault");
        assertThat(client.testCompatibility("strict-value", breaking)).isFalse();
        try (AvroSerde<GenericRecord> serde = AvroSerdes.generic(client, false)) {
            GenericRecord record = new GenericData.Record(breaking);
            record.put("id", "x");
            record.put("mandatoryWithoutDefault", 1);
            assertThatThrownBy(() -> serde.serializer().serialize("strict", record))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("topic strict")
                    .hasMessageContaining("incompatible");
        }
        assertThat(client.getAllVersions("strict-value")).containsExactly(1);
    }

    @Test
    void shouldUseRecordNameSubjectWhenRecordStrategyIsConfigured() {
        try (AvroSerde<ImageEvent> serde = AvroSerdes.specific(
                ImageEvent.class,
                client,
                false,
                Map.of(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG, "record"))) {
            byte[] bytes = serde.serializer().serialize("by-record", SampleRecords.imageEvent("r"));
            assertThat(client.getAllSubjects())
                    .contains("io.otnn.avro.ImageEvent")
                    .doesNotContain("by-record-value");
            assertThat(serde.deserializer().deserialize("by-record", bytes).getImageId())
                    .isEqualTo("r");
        }
    }

    @Test
    void shouldRefuseUnregisteredSchemaWhenAutoRegisterIsOff() {
        try (AvroSerde<ImageEvent> serde = AvroSerdes.specific(
                ImageEvent.class, client, false, Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false))) {
            assertThatThrownBy(() -> serde.serializer().serialize("never-registered", SampleRecords.imageEvent("n")))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("topic never-registered")
                    .hasMessageContaining("look up");
            client.register("never-registered-value", ImageEvent.getClassSchema());
            assertThat(serde.serializer().serialize("never-registered", SampleRecords.imageEvent("n")))
                    .isNotEmpty();
        }
    }

    @Test
    void shouldWriteWithLatestIdOnlyWhenUseLatestVersionIsSet() {
        // v1 has an optional third field, v2 (the latest) dropped it: a v1 record lines up with v2's two fields
        Schema v1 = SchemaBuilder.record("Reading")
                .namespace("io.otnn.latest")
                .fields()
                .requiredString("id")
                .requiredDouble("value")
                .optionalString("unit")
                .endRecord();
        Schema v2 = SchemaBuilder.record("Reading")
                .namespace("io.otnn.latest")
                .fields()
                .requiredString("id")
                .requiredDouble("value")
                .endRecord();
        int firstId = client.register("latest-value", v1);
        int latestId = client.register("latest-value", v2);
        assertThat(latestId).isNotEqualTo(firstId);
        assertThat(client.getAllVersions("latest-value")).containsExactly(1, 2);
        GenericRecord reading = new GenericData.Record(v1);
        reading.put("id", "r-7");
        reading.put("value", 7.5);
        reading.put("unit", "kg");
        try (AvroSerde<GenericRecord> byDefault = AvroSerdes.generic(
                        client, false, null, Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false));
                AvroSerde<GenericRecord> withLatest = AvroSerdes.generic(
                        client,
                        false,
                        null,
                        Map.of(
                                AvroSerdeConfig.USE_LATEST_VERSION_CONFIG,
                                true,
                                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG,
                                false))) {
            byte[] own = byDefault.serializer().serialize("latest", reading);
            byte[] latest = withLatest.serializer().serialize("latest", reading);
            assertThat(WireFormat.schemaId(own)).isEqualTo(firstId);
            assertThat(WireFormat.schemaId(latest)).isEqualTo(latestId);
            GenericRecord readBack = byDefault.deserializer().deserialize("latest", latest);
            assertThat(readBack.getSchema()).isEqualTo(v2);
            assertThat(readBack.get("id")).hasToString("r-7");
            assertThat(readBack.get("value")).isEqualTo(7.5);
            assertThat(byDefault.deserializer().deserialize("latest", own).get("unit"))
                    .hasToString("kg");
            assertThat(latest.length).isLessThan(own.length);
        }
    }

    @Test
    void shouldUseTopicAndRecordNameSubjectWhenTopicRecordStrategyIsConfigured() {
        // Confluent's class name is accepted as well as the short name
        for (String strategy :
                new String[] {"topic_record", "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"}) {
            String topic = "mixed-" + strategy.length();
            try (AvroSerde<ImageEvent> images = AvroSerdes.specific(
                            ImageEvent.class,
                            client,
                            false,
                            Map.of(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG, strategy));
                    AvroSerde<io.otnn.avro.DeadLetter> letters = AvroSerdes.specific(
                            io.otnn.avro.DeadLetter.class,
                            client,
                            false,
                            Map.of(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG, strategy))) {
                byte[] image = images.serializer().serialize(topic, SampleRecords.imageEvent("tr"));
                byte[] letter = letters.serializer().serialize(topic, SampleRecords.deadLetter());
                assertThat(client.getAllSubjects())
                        .contains(topic + "-io.otnn.avro.ImageEvent", topic + "-io.otnn.avro.DeadLetter")
                        .doesNotContain(topic + "-value");
                assertThat(WireFormat.schemaId(image))
                        .isEqualTo(client.getLatestSchemaMetadata(topic + "-io.otnn.avro.ImageEvent")
                                .id());
                assertThat(WireFormat.schemaId(letter))
                        .isEqualTo(client.getLatestSchemaMetadata(topic + "-io.otnn.avro.DeadLetter")
                                .id());
                assertThat(images.deserializer().deserialize(topic, image).getImageId())
                        .isEqualTo("tr");
                assertThat(letters.deserializer().deserialize(topic, letter)).isEqualTo(SampleRecords.deadLetter());
            }
        }
    }

    @Test
    void shouldUseRecordNameSubjectForKeysWhenKeyStrategyIsConfluentsRecordNameStrategy() {
        try (AvroSerde<ImageEvent> keys = AvroSerdes.specific(
                ImageEvent.class,
                client,
                true,
                Map.of(
                        AvroSerdeConfig.KEY_SUBJECT_NAME_STRATEGY_CONFIG,
                        "io.confluent.kafka.serializers.subject.RecordNameStrategy"))) {
            byte[] bytes = keys.serializer().serialize("keyed-by-record", SampleRecords.imageEvent("k"));
            assertThat(client.getAllSubjects())
                    .contains("io.otnn.avro.ImageEvent")
                    .doesNotContain("keyed-by-record-key");
            assertThat(WireFormat.schemaId(bytes))
                    .isEqualTo(client.getLatestSchemaMetadata("io.otnn.avro.ImageEvent")
                            .id());
        }
    }

    @Test
    void shouldWriteNullPayloadAndRegisterNothingWhenRecordIsNull() {
        try (AvroSerde<ImageEvent> serde = AvroSerdes.specific(ImageEvent.class, client, false)) {
            assertThat(serde.serializer().serialize("tombstones", null)).isNull();
            assertThat(client.getAllSubjects()).doesNotContain("tombstones-value");
        }
    }

    private static GenericRecord record(Schema schema, String id, double value) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", id);
        r.put("value", value);
        return r;
    }

    static Schema withOptionalField(Schema base, String name) {
        java.util.List<Schema.Field> fields = new java.util.ArrayList<>();
        for (Schema.Field f : base.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(new Schema.Field(
                name,
                Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.DOUBLE)),
                "added by a later version",
                Schema.Field.NULL_DEFAULT_VALUE));
        Schema copy = Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
        base.getObjectProps().forEach(copy::addProp);
        return copy;
    }
}
