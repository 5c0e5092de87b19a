package io.otnn.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.ErrorKind;
import io.otnn.local.LocalStack;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/** {@code OUT_OF_RANGE} was appended to {@code ErrorKind}: a compatible change, and old readers see {@code UNKNOWN}. */
class DeadLetterEvolutionTest {

    /** The contract before the symbol was appended. */
    private static final Schema PREVIOUS =
            new Schema.Parser().parse(DeadLetter.getClassSchema().toString().replace(",\"OUT_OF_RANGE\"]", "]"));

    @Test
    void shouldKeepEveryEarlierSymbolAtItsPlaceWhenOutOfRangeIsAppended() {
        Schema now = DeadLetter.getClassSchema().getField("errorKind").schema();
        Schema before = PREVIOUS.getField("errorKind").schema();
        assertThat(before.getEnumSymbols())
                .doesNotContain("OUT_OF_RANGE")
                .hasSize(now.getEnumSymbols().size() - 1);
        assertThat(now.getEnumSymbols())
                .startsWith(before.getEnumSymbols().toArray(String[]::new))
                .endsWith("OUT_OF_RANGE");
        assertThat(now.getEnumDefault()).isEqualTo("UNKNOWN");
    }

    @Test
    void shouldReadOutOfRangeAsUnknownWhenTheReaderHasThePreviousSchema() throws IOException {
        DeadLetter outOfRange = DeadLetter.newBuilder(SampleRecords.deadLetter())
                .setErrorKind(ErrorKind.OUT_OF_RANGE)
                .build();
        GenericRecord old = read(write(outOfRange), PREVIOUS);
        assertThat(old.get("errorKind").toString()).isEqualTo("UNKNOWN");
        assertThat(old.get("offset")).isEqualTo(42L);

        DeadLetter production = DeadLetter.newBuilder(SampleRecords.deadLetter())
                .setErrorKind(ErrorKind.PRODUCTION)
                .build();
        assertThat(read(write(production), PREVIOUS).get("errorKind").toString())
                .isEqualTo("PRODUCTION");
    }

    @Test
    void shouldAcceptTheNewVersionWhenTheRegistryHoldsThePreviousOne() {
        try (LocalStack stack = LocalStack.start();
                SchemaRegistryClient client = RestSchemaRegistryClient.forUrl(stack.schemaRegistryUrl())) {
            int previous = client.register("otnn.dlq-value", PREVIOUS);
            assertThat(client.testCompatibility("otnn.dlq-value", DeadLetter.getClassSchema()))
                    .isTrue();
            int current = client.register("otnn.dlq-value", DeadLetter.getClassSchema());
            assertThat(current).isNotEqualTo(previous);
            assertThat(client.getAllVersions("otnn.dlq-value")).containsExactly(1, 2);
        }
    }

    private static byte[] write(DeadLetter record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(DeadLetter.class).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static GenericRecord read(byte[] bytes, Schema reader) throws IOException {
        return new GenericDatumReader<GenericRecord>(DeadLetter.getClassSchema(), reader, GenericData.get())
                .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
    }
}
