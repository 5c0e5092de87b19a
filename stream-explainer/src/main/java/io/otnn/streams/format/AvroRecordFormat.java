package io.otnn.streams.format;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.EpsilonFraction;
import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.avro.ImageEvent;
import io.otnn.avro.PixelEncoding;
import io.otnn.avro.QuantileValue;
import io.otnn.schemas.registry.SchemaNotFoundException;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryException;
import io.otnn.schemas.serde.AvroSerdes;
import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.explain.input.RejectionKind;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.records.MetricsRecord;

/**
 * The product's wire format: the Avro contract of the schemas module ({@code io.otnn.avro}) in the Confluent wire
 * format, schemas in a Confluent-compatible registry.
 *
 * <p>An unknown schema id is a dead letter ({@code UNKNOWN_SCHEMA}); a registry that cannot be reached is not: the
 * exception stops the stream thread, which is replaced and retries from the last committed transaction.

 */
public final class AvroRecordFormat implements RecordFormat {

    /** The source recorded in image events written from an {@link ImageInput} (tests, tools). */
    public static final String DEFAULT_SOURCE = "otnn";

    private final Deserializer<ImageEvent> imageDeserializer;
    private final Serializer<ImageEvent> imageSerializer;
    private final Serde<Explanation> explanations;
    private final Serde<DeadLetter> deadLetters;
    private final Serde<ExplanationMetrics> metrics;

    public AvroRecordFormat(SchemaRegistryClient registry) {
        Serde<ImageEvent> images = AvroSerdes.specific(ImageEvent.class, registry, false);
        this.imageDeserializer = images.deserializer();
        this.imageSerializer = images.serializer();
        this.explanations = AvroSerdes.specific(Explanation.class, registry, false);
        this.deadLetters = AvroSerdes.specific(DeadLetter.class, registry, false);
        this.metrics = AvroSerdes.specific(ExplanationMetrics.class, registry, false);
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
        return new ImageInput(event.getImageId(), event.getEncoding().name(), event.getWidth(), event.getHeight(),
                event.getChannels(), bytes(event.getPixels()), event.getLabel(), event.getEventTime().toEpochMilli());
    }

    @Override
    public byte[] writeImage(String topic, ImageInput image) {
        return imageSerializer.serialize(topic, toAvro(image));
    }

    public static ImageEvent toAvro(ImageInput image) {
        return ImageEvent.newBuilder().setImageId(image.imageId()).setSource(DEFAULT_SOURCE)
                .setEventTime(Instant.ofEpochMilli(image.eventTime())).setWidth(image.width())
                .setHeight(image.height()).setChannels(image.channels())
                .setEncoding(PixelEncoding.valueOf(image.encoding())).setPixels(ByteBuffer.wrap(image.data()))
                .setLabel(image.label()).setAttributes(new HashMap<>()).build();
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
    public Serde<MetricsRecord> metricsSerde() {
        return mapped(metrics, AvroRecordFormat::toAvro, AvroRecordFormat::fromAvro);
    }

    // --- ExplanationMetrics ---

    public static ExplanationMetrics toAvro(MetricsRecord m) {
        return ExplanationMetrics.newBuilder()
                .setWindowStart(Instant.ofEpochMilli(m.windowStart()))
                .setWindowEnd(Instant.ofEpochMilli(m.windowEnd()))
                .setModelName(m.modelName()).setModelVersion((int) m.modelVersion())
                .setExplainedCount(m.explanations()).setDeadLetteredCount(m.deadLetters())
                .setLabelledCount(m.labelled()).setAccuracy(m.accuracy())
                .setCertificateMean(m.certificateMean())
                .setCertificateQuantiles(quantiles(m.certificateQuantiles()))
                .setCertifiedFractions(m.certifiedFraction().entrySet().stream()
                        .map(e -> new EpsilonFraction(Double.valueOf(e.getKey()), e.getValue())).toList())
                .setClassHistogram(new ArrayList<>(m.classHistogram()))
                .setCounterfactualDistanceMean(m.meanCounterfactualDistance())
                .setBoundaryResidualMean(m.meanBoundaryResidual())
                .setLatencyQuantilesMs(quantiles(m.latencyQuantilesMs()))
                .setBatchSizeMean(m.meanBatchSize())
                .build();
    }

    public static MetricsRecord fromAvro(ExplanationMetrics a) {
        Map<String, Double> fractions = new LinkedHashMap<>();
        a.getCertifiedFractions().forEach(f -> fractions.put(Double.toString(f.getEpsilon()), f.getFraction()));
        return new MetricsRecord(a.getWindowStart().toEpochMilli(), a.getWindowEnd().toEpochMilli(),
                a.getModelName(), a.getModelVersion(), a.getExplainedCount(), a.getDeadLetteredCount(), Map.of(),
                a.getLabelledCount(), a.getAccuracy(), a.getCertificateMean(), quantiles(a.getCertificateQuantiles()),
                fractions, List.copyOf(a.getClassHistogram()), a.getCounterfactualDistanceMean(),
                a.getBoundaryResidualMean(), quantiles(a.getLatencyQuantilesMs()), a.getBatchSizeMean());
    }

    private static List<QuantileValue> quantiles(Map<String, Double> values) {
        return values.entrySet().stream().map(e -> new QuantileValue(Double.valueOf(e.getKey()), e.getValue()))
                .toList();
    }

    private static Map<String, Double> quantiles(List<QuantileValue> values) {
        Map<String, Double> map = new LinkedHashMap<>();
        values.forEach(v -> map.put(Double.toString(v.getQ()), v.getValue()));
        return map;
    }

    // --- helpers ---

    private static <D, A> Serde<D> mapped(Serde<A> avro, java.util.function.Function<D, A> to,
                                          java.util.function.Function<A, D> from) {
        Serializer<D> serializer = (topic, value) -> value == null ? null : avro.serializer().serialize(topic,
                to.apply(value));
        Deserializer<D> deserializer = (topic, bytes) -> {
            A value = bytes == null ? null : avro.deserializer().deserialize(topic, bytes);
            return value == null ? null : from.apply(value);
        };
        return Serdes.serdeFrom(serializer, deserializer);
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
