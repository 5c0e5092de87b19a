package io.otnn.streams.format;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationComparison;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.avro.ImageEvent;
import io.otnn.avro.PixelEncoding;
import io.otnn.explain.input.RejectionKind;
import io.otnn.schemas.registry.SchemaNotFoundException;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryException;
import io.otnn.schemas.serde.AvroSerdes;
import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.records.ImageInput;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The product's wire format: the Avro contract of the schemas module ({@code io.otnn.avro}) in the Confluent wire
 * format, schemas in a Confluent-compatible registry.
 *
 * <p>An unknown schema id is a dead letter ({@code UNKNOWN_SCHEMA}); a registry that cannot be reached is not: the
 * exception stops the stream thread, which is replaced and retries from the last committed transaction.
 *
 * <p>The outputs are the generated records themselves: nothing is converted on the way out.
 */
public final class AvroRecordFormat implements RecordFormat {

    /** The source recorded in image events written from an {@link ImageInput} (tests, tools). */
    public static final String DEFAULT_SOURCE = "otnn";

    private final Deserializer<ImageEvent> imageDeserializer;
    private final Serializer<ImageEvent> imageSerializer;
    private final Serde<Explanation> explanations;
    private final Serde<DeadLetter> deadLetters;
    private final Serde<ExplanationMetrics> metrics;
    private final Serde<ExplanationComparison> comparisons;

    public AvroRecordFormat(SchemaRegistryClient registry) {
        Serde<ImageEvent> images = AvroSerdes.specific(ImageEvent.class, registry, false);
        this.imageDeserializer = images.deserializer();
        this.imageSerializer = images.serializer();
        this.explanations = AvroSerdes.specific(Explanation.class, registry, false);
        this.deadLetters = AvroSerdes.specific(DeadLetter.class, registry, false);
        this.metrics = AvroSerdes.specific(ExplanationMetrics.class, registry, false);
        this.comparisons = AvroSerdes.specific(ExplanationComparison.class, registry, false);
    }

    @Override
    public ImageInput readImage(String topic, Headers headers, byte[] value) throws RejectedRecordException {
        if (value == null || value.length == 0) {
            throw new RejectedRecordException(RejectionKind.EMPTY_VALUE, "the record has no value");
        }
        ImageEvent event;
        try {
            event = imageDeserializer.deserialize(topic, value);
        } catch (SerializationException e) {
            if (hasCause(e, SchemaNotFoundException.class)) {
                throw new RejectedRecordException(RejectionKind.UNKNOWN_SCHEMA, e.getMessage(), null, e);
            }
            if (e.getCause() instanceof SchemaRegistryException registryDown) {
                // the registry is unreachable: not the record's fault; fail and retry rather than dead-letter
                throw registryDown;
            }
            throw new RejectedRecordException(RejectionKind.UNDESERIALISABLE, e.getMessage(), null, e);
        } catch (RuntimeException e) {
            throw new RejectedRecordException(RejectionKind.UNDESERIALISABLE, "not an ImageEvent: " + e, null, e);
        }
        return new ImageInput(
                event.getImageId(),
                event.getEncoding().name(),
                event.getWidth(),
                event.getHeight(),
                event.getChannels(),
                bytes(event.getPixels()),
                event.getLabel(),
                event.getEventTime().toEpochMilli());
    }

    @Override
    public byte[] writeImage(String topic, ImageInput image) {
        return imageSerializer.serialize(topic, toAvro(image));
    }

    public static ImageEvent toAvro(ImageInput image) {
        return ImageEvent.newBuilder()
                .setImageId(image.imageId())
                .setSource(DEFAULT_SOURCE)
                .setEventTime(Instant.ofEpochMilli(image.eventTime()))
                .setWidth(image.width())
                .setHeight(image.height())
                .setChannels(image.channels())
                .setEncoding(PixelEncoding.valueOf(image.encoding()))
                .setPixels(ByteBuffer.wrap(image.data()))
                .setLabel(image.label())
                .setAttributes(new HashMap<>())
                .build();
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

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
