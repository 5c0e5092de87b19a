package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.ImageEvent;
import io.otnn.explain.input.RejectionKind;
import io.otnn.local.LocalSchemaRegistry;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.Topics;
import io.otnn.streams.format.AvroRecordFormat;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.KafkaTestClients;
import io.otnn.streams.testing.OutcomeLedger;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schema registry unreachable (connections refused), or hanging (connections accepted, nothing answered), for
 * 10 s mid-run, then back on the same port. What arrives meanwhile needs it:
 * images written with a schema id the explainer has not met yet (a compatible evolution of {@code ImageEvent}), a
 * schema id the registry does not know, and the first dead letters (their schema is looked up on first use). None
 * may be dead-lettered for the outage, none lost: once the registry answers, every image is explained and every bad
 * record dead-lettered exactly once, each its own.
 */
class RegistryOutageTest {

    private static final Duration OUTAGE = Duration.ofSeconds(10);

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withEngine();

    @TempDir
    Path stateDir;

    @Test
    void shouldExplainOrDeadLetterEveryRecordExactlyOnceWhenTheRegistryIsUnreachableFor10Seconds() throws Exception {
        LocalSchemaRegistry registry = pipeline.stack().registry();
        runOutage("registry unreachable for 10 s", "outage-", registry::stopServing, registry::resumeServing);
    }

    @Test
    void shouldExplainOrDeadLetterEveryRecordExactlyOnceWhenTheRegistryHangsFor10Seconds() throws Exception {
        LocalSchemaRegistry registry = pipeline.stack().registry();
        runOutage("registry hanging for 10 s", "hang-", registry::pauseServing, registry::resumeServing);
    }

    private void runOutage(String scenario, String prefix, Runnable stop, Runnable resume) throws Exception {
        String bootstrap = pipeline.stack().bootstrapServers();
        AvroRecordFormat format = pipeline.format();
        Map<String, Object> props = pipeline.explainerProps(prefix + "registry", prefix, stateDir);
        // a replaced stream thread's partitions wait for the session timeout of the thread it replaces (45 s by
        // default): short here, so that the run stays short
        props.put("session.timeout.ms", "6000");
        props.put("heartbeat.interval.ms", "1000");

        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(pipeline.engine())
                .build()
                .start()) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            Topics topics = app.topics();
            String topic = topics.images().name();
            KafkaTestClients.awaitLeaders(bootstrap, topic, 6);
            OutcomeLedger ledger = new OutcomeLedger();

            // before: the explainer meets the registry once (image schema, explanation schema) and caches it
            Map<String, ImageInput> warm =
                    KafkaTestClients.sendRandomImages(bootstrap, format, topic, 300, "warm-%04d", new Random(1), true);
            ledger.goodAll(warm);
            assertThat(KafkaTestClients.readCommitted(
                            bootstrap,
                            topics.explanations(),
                            read -> read.size() >= warm.size(),
                            Duration.ofSeconds(120)))
                    .hasSize(warm.size());

            Schema evolved = withOptionalNote(ImageEvent.getClassSchema());
            int evolvedId = pipeline.registry().register(topic + "-value", evolved);
            Random random = new Random(2);
            List<Outgoing> during = new ArrayList<>();
            long now = System.currentTimeMillis();
            for (int i = 0; i < 300; i++) {
                byte[] pixels = new byte[784];
                random.nextBytes(pixels);
                ImageInput image = new ImageInput(
                        String.format("during-%04d", i), "RAW_U8", 28, 28, 1, pixels, random.nextInt(10), now + i);
                ledger.good(image);
                byte[] value = i % 2 == 0 ? format.writeImage(topic, image) : writeEvolved(evolved, evolvedId, image);
                during.add(new Outgoing(image.imageId(), value));
                if (i % 60 == 30) {
                    byte[] unknownSchema = value.clone();
                    unknownSchema[1] = 0x7f; // a schema id the registry has never given out
                    String key = "unknown-schema-" + i;
                    during.add(new Outgoing(key, unknownSchema));
                    ledger.bad(key, RejectionKind.UNKNOWN_SCHEMA.name(), unknownSchema);
                    String garbageKey = "garbage-" + i;
                    byte[] garbage = ("not an image " + i).getBytes(StandardCharsets.UTF_8);
                    during.add(new Outgoing(garbageKey, garbage));
                    ledger.bad(garbageKey, RejectionKind.UNDESERIALISABLE.name(), garbage);
                    String truncatedKey = "truncated-" + i;
                    byte[] truncated = Arrays.copyOf(value, 40);
                    during.add(new Outgoing(truncatedKey, truncated));
                    ledger.bad(truncatedKey, RejectionKind.UNDESERIALISABLE.name(), truncated);
                }
            }

            long outageStart = System.nanoTime();
            stop.run();
            try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap)) {
                List<Future<RecordMetadata>> sends = new ArrayList<>();
                for (Outgoing o : during) {
                    sends.add(KafkaTestClients.send(
                            producer,
                            topic,
                            o.key().getBytes(StandardCharsets.UTF_8),
                            o.value(),
                            System.currentTimeMillis()));
                }
                producer.flush();
                KafkaTestClients.awaitAll(sends);
            }
            long left = OUTAGE.toNanos() - (System.nanoTime() - outageStart);
            if (left > 0) {
                Thread.sleep(left / 1_000_000); // the outage itself: 10 s without a registry
            }
            resume.run();

            OutcomeLedger.Result result = ledger.read(
                    scenario, bootstrap, topics, pipeline.engine(), Duration.ofSeconds(180), Duration.ofSeconds(3));
            result.assertExactlyOnceAndOwn();
            assertThat(app.awaitRunning(Duration.ofSeconds(60)))
                    .as("running after the outage")
                    .isTrue();
        }
    }

    private record Outgoing(String key, byte[] value) {}

    /** ImageEvent with one more optional field: what a producer on a newer contract writes. */
    private static Schema withOptionalNote(Schema schema) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(new Schema.Field(
                "note",
                Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)),
                "added by a newer producer",
                Schema.Field.NULL_DEFAULT_VALUE));
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    /** The image in the Confluent wire format with the evolved schema's id, written by plain Avro. */
    private static byte[] writeEvolved(Schema evolved, int id, ImageInput image) throws IOException {
        ImageEvent event = AvroRecordFormat.toAvro(image);
        GenericRecord record = new GenericData.Record(evolved);
        for (Schema.Field f : ImageEvent.getClassSchema().getFields()) {
            Object value = event.get(f.name());
            if (value instanceof java.time.Instant instant) {
                value = instant.toEpochMilli();
            } else if (value instanceof Enum<?> symbol) {
                value = new GenericData.EnumSymbol(f.schema(), symbol.name());
            }
            record.put(f.name(), value);
        }
        record.put("note", "written with schema id " + id);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(evolved).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
