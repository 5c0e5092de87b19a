package io.otnn.streams.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationComparison;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.explain.input.RejectionKind;
import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.records.ImageInput;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serde;

/**
 * JSON on every topic, no registry ({@code format=json}): for debugging with console tools and for setups
 * without a schema registry. The outputs are the Avro contract's records in Avro's JSON encoding
 * ({@link AvroJson}); image events are JSON objects with the {@code ImageInput} fields, pixels in Base64. The
 * product's default is Avro with a registry.
 */
public final class JsonRecordFormat implements RecordFormat {

    private final ObjectMapper mapper =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private final Serde<Explanation> explanations = AvroJson.serde(Explanation.class, Explanation.getClassSchema());
    private final Serde<DeadLetter> deadLetters = AvroJson.serde(DeadLetter.class, DeadLetter.getClassSchema());
    private final Serde<ExplanationMetrics> metrics =
            AvroJson.serde(ExplanationMetrics.class, ExplanationMetrics.getClassSchema());
    private final Serde<ExplanationComparison> comparisons =
            AvroJson.serde(ExplanationComparison.class, ExplanationComparison.getClassSchema());

    @Override
    public ImageInput readImage(String topic, Headers headers, byte[] value) throws RejectedRecordException {
        if (value == null || value.length == 0) {
            throw new RejectedRecordException(RejectionKind.EMPTY_VALUE, "the record has no value");
        }
        try {
            ImageInput image = mapper.readValue(value, ImageInput.class);
            if (image == null) {
                throw new RejectedRecordException(RejectionKind.UNDESERIALISABLE, "the value is JSON null");
            }
            return image;
        } catch (IOException | RuntimeException e) {
            throw new RejectedRecordException(
                    RejectionKind.UNDESERIALISABLE, "not a JSON ImageEvent: " + firstLine(e.getMessage()), null, e);
        }
    }

    @Override
    public byte[] writeImage(String topic, ImageInput image) {
        return write(image);
    }

    @Override
    public Serde<Explanation> explanationSerde() {
        return explanations;
    }

    @Override
    public Serde<DeadLetter> deadLetterSerde() {
        return deadLetters;
    }

    @Override
    public Serde<ExplanationMetrics> metricsSerde() {
        return metrics;
    }

    @Override
    public Serde<ExplanationComparison> comparisonSerde() {
        return comparisons;
    }

    private byte[] write(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new SerializationException("cannot write " + value.getClass().getSimpleName(), e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
