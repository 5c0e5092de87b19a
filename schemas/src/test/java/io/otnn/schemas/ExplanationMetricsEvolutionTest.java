package io.otnn.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.EpsilonFraction;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.avro.QuantileValue;
import io.otnn.local.LocalStack;
import io.otnn.schemas.registry.CompatibilityLevel;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * The drift fields appended to {@code ExplanationMetrics} (each with a default) are a BACKWARD compatible change: the
 * running registry accepts the new version over the previous one, new readers read old records (with the defaults)
 * and old readers read new records (ignoring the new fields).
 */
class ExplanationMetricsEvolutionTest {

    private static final List<String> DRIFT_FIELDS = List.of(
            "classMixChiSquare",
            "classMixPValue",
            "classMixPsi",
            "certificateKs",
            "certificateKsPValue",
            "driftAlarms");

    private static Schema previous() throws IOException {
        Schema.Parser parser = new Schema.Parser();
        parser.parse(QuantileValue.getClassSchema().toString());
        parser.parse(EpsilonFraction.getClassSchema().toString());
        try (InputStream in =
                ExplanationMetricsEvolutionTest.class.getResourceAsStream("/previous/ExplanationMetrics-v1.avsc")) {
            return parser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldAcceptTheNewVersionWhenTheRegistryHoldsThePreviousOneUnderBackwardCompatibility() throws IOException {
        Schema previous = previous();
        for (String field : DRIFT_FIELDS) {
            assertThat(previous.getField(field))
                    .as("the stored schema is the previous one")
                    .isNull();
        }
        String subject = "otnn.metrics-value";
        try (LocalStack stack = LocalStack.start();
                SchemaRegistryClient client = RestSchemaRegistryClient.forUrl(stack.schemaRegistryUrl())) {
            client.updateCompatibility(subject, CompatibilityLevel.BACKWARD);
            int before = client.register(subject, previous);
            // the registry does check: the same field without its default would be refused
            Schema current = ExplanationMetrics.getClassSchema();
            List<Schema.Field> fields = current.getFields().stream()
                    .map(f -> f.name().equals("driftAlarms")
                            ? new Schema.Field(f.name(), f.schema(), f.doc())
                            : new Schema.Field(f, f.schema()))
                    .toList();
            Schema withoutDefault =
                    Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
            assertThat(withoutDefault.getField("driftAlarms").hasDefaultValue()).isFalse();
            assertThat(client.testCompatibility(subject, withoutDefault)).isFalse();
            assertThat(client.testCompatibility(subject, ExplanationMetrics.getClassSchema()))
                    .isTrue();
            int after = client.register(subject, ExplanationMetrics.getClassSchema());
            assertThat(after).isNotEqualTo(before);
            assertThat(client.getAllVersions(subject)).containsExactly(1, 2);
            assertThat(client.getCompatibility(subject)).isEqualTo(CompatibilityLevel.BACKWARD);
        }
    }

    @Test
    void shouldReadTheDefaultsWhenARecordOfThePreviousSchemaIsReadWithTheNewOne() throws IOException {
        Schema previous = previous();
        GenericRecord old = new GenericData.Record(previous);
        ExplanationMetrics sample = SampleRecords.metrics();
        for (Schema.Field field : previous.getFields()) {
            old.put(field.name(), sample.get(field.name()));
        }
        old.put("windowStart", sample.getWindowStart().toEpochMilli());
        old.put("windowEnd", sample.getWindowEnd().toEpochMilli());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(previous).write(old, encoder);
        encoder.flush();

        SpecificDatumReader<ExplanationMetrics> reader =
                new SpecificDatumReader<>(previous, ExplanationMetrics.getClassSchema());
        ExplanationMetrics read = reader.read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        assertThat(read.getExplainedCount()).isEqualTo(1000);
        assertThat(read.getClassHistogram()).isEqualTo(sample.getClassHistogram());
        assertThat(read.getClassMixChiSquare()).isNull();
        assertThat(read.getClassMixPValue()).isNull();
        assertThat(read.getClassMixPsi()).isNull();
        assertThat(read.getCertificateKs()).isNull();
        assertThat(read.getCertificateKsPValue()).isNull();
        assertThat(read.getDriftAlarms()).isEmpty();
    }

    @Test
    void shouldReadEveryPreviousFieldWhenARecordOfTheNewSchemaIsReadWithThePreviousOne() throws IOException {
        ExplanationMetrics current = ExplanationMetrics.newBuilder(SampleRecords.metrics())
                .setClassMixChiSquare(41.5)
                .setClassMixPValue(1e-6)
                .setClassMixPsi(0.31)
                .setCertificateKs(0.22)
                .setCertificateKsPValue(2e-5)
                .setDriftAlarms(List.of("CLASS_MIX", "CERTIFICATE"))
                .build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new SpecificDatumWriter<>(ExplanationMetrics.class).write(current, encoder);
        encoder.flush();

        Schema previous = previous();
        GenericRecord old = new GenericDatumReader<GenericRecord>(ExplanationMetrics.getClassSchema(), previous)
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        assertThat(old.getSchema().getFields()).hasSize(previous.getFields().size());
        assertThat(old.get("explainedCount")).isEqualTo(1000L);
        assertThat(old.get("batchSizeMean")).isEqualTo(24.5);
        assertThat(old.get("modelName").toString()).isEqualTo("mnist-otnn");
        for (String field : DRIFT_FIELDS) {
            assertThat(old.getSchema().getField(field)).isNull();
        }
    }
}
