package io.otnn.streams.format;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationComparison;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.records.ImageInput;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serde;

/**
 * The wire format of the product's topics.
 *
 * <p>Images are read as raw bytes and parsed here, inside the processor, so that a record that cannot be read
 * becomes a {@code DeadLetter} carrying its original bytes instead of stopping the application.
 */
public interface RecordFormat {

    /**
     * @throws RejectedRecordException with {@code UNDESERIALISABLE}, {@code UNKNOWN_SCHEMA} or {@code EMPTY_VALUE}
     */
    ImageInput readImage(String topic, Headers headers, byte[] value) throws RejectedRecordException;

    /** The bytes of an image event, as a producer (ingest, tests) writes them. */
    byte[] writeImage(String topic, ImageInput image);

    Serde<Explanation> explanationSerde();

    Serde<DeadLetter> deadLetterSerde();

    Serde<ExplanationMetrics> metricsSerde();

    /** The shadow comparison windows. */
    Serde<ExplanationComparison> comparisonSerde();
}
