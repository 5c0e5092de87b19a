package io.otnn.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.EncodedTensor;
import io.otnn.avro.EventTimeAdjustment;
import io.otnn.avro.Explanation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * The fields appended since the stored previous schema ({@code eventTimeAdjustment}, {@code explainedAt},
 * {@code input}) are a BACKWARD (and FORWARD) compatible change of {@code Explanation}.
 */
class ExplanationEvolutionTest {

    private static Schema previous() throws IOException {
        Schema.Parser parser = new Schema.Parser();
        parser.parse(EncodedTensor.getClassSchema().toString());
        try (InputStream in = ExplanationEvolutionTest.class.getResourceAsStream("/previous/Explanation-v1.avsc")) {
            return parser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldReadRecordsOfThePreviousSchemaWhenTheNewOneIsTheReader() throws IOException {
        Schema previous = previous();
        assertThat(previous.getField("eventTimeAdjustment"))
                .as("the stored schema is the previous one")
                .isNull();
        assertThat(previous.getField("input")).isNull();
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(Explanation.getClassSchema(), previous)
                        .getType())
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(previous, Explanation.getClassSchema())
                        .getType())
                .as("old readers read new records")
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    @Test
    void shouldReadNoneAndNoInputWhenARecordOfThePreviousSchemaIsRead() throws IOException {
        Explanation current = SampleRecords.explanation("img-old", new Random(3));
        assertThat(current.getInput()).as("the sample carries an input image").isNotNull();
        ByteArrayOutputStream currentBytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(currentBytes, null);
        new SpecificDatumWriter<>(Explanation.class).write(current, encoder);
        encoder.flush();
        // the same record as the previous schema writes it: resolve it to that schema, then write it
        GenericRecord old = new org.apache.avro.generic.GenericDatumReader<GenericRecord>(
                        Explanation.getClassSchema(), previous())
                .read(null, DecoderFactory.get().binaryDecoder(currentBytes.toByteArray(), null));
        ByteArrayOutputStream oldBytes = new ByteArrayOutputStream();
        encoder = EncoderFactory.get().binaryEncoder(oldBytes, null);
        new GenericDatumWriter<GenericRecord>(previous(), GenericData.get()).write(old, encoder);
        encoder.flush();

        SpecificDatumReader<Explanation> reader = new SpecificDatumReader<>(Explanation.class);
        reader.setSchema(previous());
        Explanation read = reader.read(null, DecoderFactory.get().binaryDecoder(oldBytes.toByteArray(), null));
        assertThat(read.getEventTimeAdjustment()).isEqualTo(EventTimeAdjustment.NONE);
        assertThat(read.getInput()).as("written before the field").isNull();
        assertThat(read.getImageId()).isEqualTo("img-old");
        assertThat(oldBytes.size()).isLessThan(currentBytes.size());
    }
}
