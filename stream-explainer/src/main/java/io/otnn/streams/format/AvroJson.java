package io.otnn.streams.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A record of the Avro contract in Avro's own JSON encoding: the JSON format writes the very records the Avro format
 * does, so that no field list is written twice. Unions are wrapped ({@code {"int": 3}}), bytes are strings of
 * ISO-8859-1 characters, timestamps are epoch milliseconds.
 */
final class AvroJson {

    private AvroJson() {}

    static <T extends SpecificRecord> Serde<T> serde(Class<T> type, Schema schema) {
        DatumWriter<T> writer = new SpecificDatumWriter<>(type);
        DatumReader<T> reader = new SpecificDatumReader<>(type);
        Serializer<T> serializer = (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
                JsonEncoder encoder = EncoderFactory.get().jsonEncoder(schema, out);
                writer.write(value, encoder);
                encoder.flush();
                return out.toByteArray();
            } catch (IOException | RuntimeException e) {
                throw new SerializationException(
                        "cannot write a " + type.getSimpleName() + " to " + topic + ": " + e.getMessage(), e);
            }
        };
        Deserializer<T> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return reader.read(
                        null, DecoderFactory.get().jsonDecoder(schema, new java.io.ByteArrayInputStream(bytes)));
            } catch (IOException | RuntimeException e) {
                throw new SerializationException(
                        "cannot read a " + type.getSimpleName() + " from " + topic + ": " + e.getMessage(), e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
