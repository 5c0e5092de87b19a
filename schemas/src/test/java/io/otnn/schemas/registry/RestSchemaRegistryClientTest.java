package io.otnn.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.avro.ImageEvent;
import io.otnn.avro.ModelCheckpoint;
import io.otnn.local.LocalStack;
import io.otnn.local.LocalStackConfig;
import io.otnn.schemas.SampleRecords;
import io.otnn.schemas.serde.AvroSerde;
import io.otnn.schemas.serde.AvroSerdes;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST client against the local registry over real HTTP. */
class RestSchemaRegistryClientTest {

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

    @Test
    void shouldMakeOneRegistrationRequestWhen100000RecordsAreSerialized() {
        SchemaRegistryClient fresh = RestSchemaRegistryClient.forUrl(stack.schemaRegistryUrl());
        try (AvroSerde<Explanation> serde = AvroSerdes.specific(Explanation.class, fresh, false)) {
            Explanation explanation = SampleRecords.explanation("many", new Random(5));
            long before = stack.registry().requestCount("POST", "/subjects/counted-value/versions");
            long total = 0;
            for (int i = 0; i < 100_000; i++) {
                total += serde.serializer().serialize("counted", explanation).length;
            }
            assertThat(total).isGreaterThan(100_000L * 100);
            assertThat(stack.registry().requestCount("POST", "/subjects/counted-value/versions") - before)
                    .isEqualTo(1);
            assertThat(stack.registry().requestCount("POST", "/subjects/counted-value"))
                    .isEqualTo(1);
        }
    }

    @Test
    void shouldMakeOneSchemaFetchWhen1000RecordsAreDeserialized() {
        SchemaRegistryClient writer = RestSchemaRegistryClient.forUrl(stack.schemaRegistryUrl());
        SchemaRegistryClient reader = RestSchemaRegistryClient.forUrl(stack.schemaRegistryUrl());
        try (AvroSerde<ImageEvent> out = AvroSerdes.specific(ImageEvent.class, writer, false);
                AvroSerde<ImageEvent> in = AvroSerdes.specific(ImageEvent.class, reader, false)) {
            byte[] bytes = out.serializer().serialize("fetched", SampleRecords.imageEvent("f"));
            int id = client.getLatestSchemaMetadata("fetched-value").id();
            long before = stack.registry().requestCount("GET", "/schemas/ids/" + id);
            for (int i = 0; i < 1_000; i++) {
                assertThat(in.deserializer().deserialize("fetched", bytes).getImageId())
                        .isEqualTo("f");
            }
            assertThat(stack.registry().requestCount("GET", "/schemas/ids/" + id) - before)
                    .isEqualTo(1);
        }
    }

    @Test
    void shouldKeepEverySchemaAndIdWhenRegistryRestartsOnSameDataDir(@TempDir Path dataDir) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        Schema[] schemas = {
            ImageEvent.getClassSchema(),
            Explanation.getClassSchema(),
            ModelCheckpoint.getClassSchema(),
            DeadLetter.getClassSchema()
        };
        LocalStackConfig config = LocalStackConfig.builder().dataDir(dataDir).build();
        try (LocalStack first = LocalStack.start(config)) {
            SchemaRegistryClient c = RestSchemaRegistryClient.forUrl(first.schemaRegistryUrl());
            c.updateCompatibility("otnn.models-value", CompatibilityLevel.FULL);
            for (Schema s : schemas) {
                ids.put("topic-" + s.getName() + "-value", c.register("topic-" + s.getName() + "-value", s));
            }
            ids.put("second-ImageEvent-value", c.register("second-ImageEvent-value", ImageEvent.getClassSchema()));
        }
        try (LocalStack second = LocalStack.start(config)) {
            SchemaRegistryClient c = RestSchemaRegistryClient.forUrl(second.schemaRegistryUrl());
            assertThat(c.getAllSubjects()).containsExactlyInAnyOrderElementsOf(ids.keySet());
            for (Schema s : schemas) {
                SchemaMetadata latest = c.getLatestSchemaMetadata("topic-" + s.getName() + "-value");
                assertThat(latest.id()).isEqualTo(ids.get("topic-" + s.getName() + "-value"));
                assertThat(latest.version()).isEqualTo(1);
                assertThat(c.getSchemaById(latest.id())).isEqualTo(s);
            }
            assertThat(ids.get("second-ImageEvent-value")).isEqualTo(ids.get("topic-ImageEvent-value"));
            assertThat(c.getCompatibility("otnn.models-value")).isEqualTo(CompatibilityLevel.FULL);
            int next = c.register("after-restart-value", SampleRecords.metrics().getSchema());
            assertThat(next).isNotIn(ids.values());
        }
    }

    @Test
    void shouldMapRegistryErrorsToTypedExceptionsWhenLookupsFail() {
        client.register("errors-value", ImageEvent.getClassSchema());
        assertThatThrownBy(() -> client.getLatestSchemaMetadata("no-such-subject"))
                .isInstanceOf(SubjectNotFoundException.class)
                .hasMessageContaining("no-such-subject")
                .extracting(e -> ((SchemaRegistryException) e).errorCode())
                .isEqualTo(40401);
        assertThatThrownBy(() -> client.getSchemaMetadata("errors-value", 99))
                .isInstanceOf(VersionNotFoundException.class);
        assertThatThrownBy(() -> client.getSchemaById(987_654)).isInstanceOf(SchemaNotFoundException.class);
        assertThatThrownBy(() -> client.lookup("errors-value", Explanation.getClassSchema()))
                .isInstanceOf(SchemaNotFoundException.class);
        assertThatThrownBy(() -> client.getSchemaMetadata("errors-value", 0))
                .isInstanceOf(InvalidSchemaException.class)
                .hasMessageContaining("42202");
    }

    @Test
    void shouldGetAndSetCompatibilityWhenConfiguringSubjects() {
        assertThat(client.getGlobalCompatibility()).isEqualTo(CompatibilityLevel.BACKWARD);
        client.register("configured-value", ImageEvent.getClassSchema());
        assertThat(client.getCompatibility("configured-value")).isEqualTo(CompatibilityLevel.BACKWARD);
        assertThat(client.updateCompatibility("configured-value", CompatibilityLevel.NONE))
                .isEqualTo(CompatibilityLevel.NONE);
        assertThat(client.getCompatibility("configured-value")).isEqualTo(CompatibilityLevel.NONE);
        assertThat(client.register("configured-value", Explanation.getClassSchema()))
                .isPositive();
        assertThat(client.getAllVersions("configured-value")).containsExactly(1, 2);
        assertThat(client.deleteSubject("configured-value")).containsExactly(1, 2);
        assertThat(client.getAllSubjects()).doesNotContain("configured-value");
    }
}
