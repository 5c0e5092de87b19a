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

import io.otnn.avro.Certificate;
import io.otnn.avro.Counterfactual;
import io.otnn.avro.DeadLetter;
import io.otnn.avro.EncodedTensor;
import io.otnn.avro.EpsilonFraction;
import io.otnn.avro.ErrorKind;
import io.otnn.avro.EventTimeAdjustment;
import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.avro.ImageEvent;
import io.otnn.avro.PixelEncoding;
import io.otnn.avro.QuantileValue;
import io.otnn.avro.TensorEncoding;
import io.otnn.avro.Timings;
import io.otnn.schemas.registry.SchemaNotFoundException;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryException;
import io.otnn.schemas.serde.AvroSerdes;
import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.explain.input.RejectionKind;
import io.otnn.streams.records.DeadLetterRecord;
import io.otnn.streams.records.ExplanationRecord;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.records.MetricsRecord;
import io.otnn.streams.time.TimeAdjustment;

/**
 * The product's wire format: the Avro contract of the schemas module ({@code io.otnn.avro}) in the Confluent wire
 * format, schemas in a Confluent-compatible registry.
 *
 * <p>An unknown schema id is a dead letter ({@code UNKNOWN_SCHEMA}); a registry that cannot be reached is not: the
 * exception stops the stream thread, which is replaced and retries from the last committed transaction.
 *
 * <p>The {@code DeadLetter} contract's {@code errorKind} is coarser than {@link RejectionKind}; the precise kind
 * leads the message, e.g. {@code [WRONG_CHANNELS] the image has 3 channel(s)...}.
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
    public Serde<ExplanationRecord> explanationSerde() {
        return mapped(explanations, AvroRecordFormat::toAvro, AvroRecordFormat::fromAvro);
    }

    @Override
    public Serde<DeadLetterRecord> deadLetterSerde() {
        return mapped(deadLetters, AvroRecordFormat::toAvro, AvroRecordFormat::fromAvro);
    }

    @Override
    public Serde<MetricsRecord> metricsSerde() {
        return mapped(metrics, AvroRecordFormat::toAvro, AvroRecordFormat::fromAvro);
    }

    // --- Explanation ---

    public static Explanation toAvro(ExplanationRecord e) {
        List<Float> scores = new ArrayList<>(e.scores());
        return Explanation.newBuilder()
                .setImageId(e.imageId())
                .setEventTime(Instant.ofEpochMilli(e.eventTime()))
                .setModelName(e.modelName())
                .setModelVersion((int) e.modelVersion())
                .setLabel(e.label())
                .setPredictedClass(e.predicted())
                .setPredictedClassName(e.predictedName())
                .setRunnerUpClass(e.runnerUp())
                .setRunnerUpClassName(e.runnerUpName())
                .setScores(scores)
                .setCertificate(Certificate.newBuilder().setRadius(e.certificate()).setMargin(e.margin())
                        .setFactor(e.certificateFactor()).setLipschitz(e.lipschitz()).build())
                .setSaliency(toAvro(e.saliency()))
                .setSignedGradient(null)
                .setCounterfactual(Counterfactual.newBuilder().setTargetClass(e.runnerUp())
                        .setTargetClassName(e.runnerUpName()).setT(e.counterfactualT())
                        .setDistance(e.counterfactualDistance()).setBoundaryDistance(e.boundaryDistance())
                        .setImage(toAvro(e.counterfactual())).setPredictedClass(e.counterfactualClass())
                        .setBoundaryResidual(e.boundaryResidual()).build())
                .setTimings(Timings.newBuilder().setQueuedMs(e.queuedMs()).setModelMs(e.modelMs())
                        .setTotalMs(e.totalMs()).build())
                .setBatchSize(e.batchSize())
                .setExplainerInstance(e.explainerInstance())
                .setEventTimeAdjustment(EventTimeAdjustment.valueOf(e.eventTimeAdjustment().name()))
                .build();
    }

    public static ExplanationRecord fromAvro(Explanation a) {
        Counterfactual cf = a.getCounterfactual();
        return new ExplanationRecord(a.getImageId(), a.getModelName(), a.getModelVersion(), a.getPredictedClass(),
                a.getPredictedClassName(), a.getRunnerUpClass(), a.getRunnerUpClassName(), List.copyOf(a.getScores()),
                a.getCertificate().getMargin(), a.getCertificate().getRadius(), a.getCertificate().getFactor(),
                a.getCertificate().getLipschitz(), a.getLabel(), fromAvro(a.getSaliency()), fromAvro(cf.getImage()),
                cf.getPredictedClass(), cf.getT(), cf.getDistance(), cf.getBoundaryDistance(), cf.getBoundaryResidual(),
                (long) a.getTimings().getQueuedMs(), a.getTimings().getModelMs(), (long) a.getTimings().getTotalMs(),
                a.getBatchSize(), a.getExplainerInstance(), a.getEventTime().toEpochMilli(), 0L,
                timeAdjustment(a.getEventTimeAdjustment()));
    }

    private static TimeAdjustment timeAdjustment(EventTimeAdjustment adjustment) {
        return TimeAdjustment.valueOf(adjustment.name());
    }

    private static EncodedTensor toAvro(io.otnn.streams.records.EncodedTensor t) {
        return EncodedTensor.newBuilder().setEncoding(TensorEncoding.valueOf(t.format()))
                .setShape(List.of(t.height(), t.width(), t.channels())).setScale(t.scale()).setOffset(t.offset())
                .setData(ByteBuffer.wrap(t.data())).build();
    }

    private static io.otnn.streams.records.EncodedTensor fromAvro(EncodedTensor t) {
        List<Integer> shape = t.getShape();
        return new io.otnn.streams.records.EncodedTensor(t.getEncoding().name(), shape.get(1), shape.get(0),
                shape.size() > 2 ? shape.get(2) : 1, t.getScale(), t.getOffset(), bytes(t.getData()));
    }

    // --- DeadLetter ---

    public static DeadLetter toAvro(DeadLetterRecord d) {
        return DeadLetter.newBuilder()
                .setKey(d.key() == null ? null : ByteBuffer.wrap(d.key()))
                .setValue(d.value() == null ? null : ByteBuffer.wrap(d.value()))
                .setSourceTopic(d.topic()).setPartition(d.partition()).setOffset(d.offset())
                .setErrorKind(errorKind(RejectionKind.valueOf(d.kind())))
                .setMessage("[" + d.kind() + "] " + d.message())
                .setTime(Instant.ofEpochMilli(d.failedAt()))
                .setApplication(d.application())
                .build();
    }

    public static DeadLetterRecord fromAvro(DeadLetter a) {
        String message = a.getMessage();
        String kind = a.getErrorKind().name();
        if (message.startsWith("[") && message.indexOf("] ") > 0) {
            kind = message.substring(1, message.indexOf("] "));
            message = message.substring(message.indexOf("] ") + 2);
        }
        return new DeadLetterRecord(null, kind, message, a.getSourceTopic(), a.getPartition(), a.getOffset(),
                a.getKey() == null ? null : bytes(a.getKey()), a.getValue() == null ? null : bytes(a.getValue()),
                -1L, a.getTime().toEpochMilli(), a.getApplication(), "", 0);
    }

    /** The contract's coarser kind of each rejection: the one place where the two lists meet. */
    public static ErrorKind errorKind(RejectionKind kind) {
        return switch (kind) {
            case UNDESERIALISABLE -> ErrorKind.DESERIALIZATION;
            case UNKNOWN_SCHEMA -> ErrorKind.UNKNOWN_SCHEMA;
            case EMPTY_VALUE -> ErrorKind.EMPTY_VALUE;
            case MISSING_KEY -> ErrorKind.MISSING_KEY;
            case WRONG_SHAPE, WRONG_CHANNELS -> ErrorKind.INVALID_SHAPE;
            case UNDECODABLE, UNSUPPORTED_ENCODING -> ErrorKind.INVALID_ENCODING;
            case NON_FINITE -> ErrorKind.NON_FINITE;
            case OVERSIZE -> ErrorKind.OVERSIZE;
            case MODEL_ERROR, NON_FINITE_RESULT, UNENCODABLE_RESULT -> ErrorKind.MODEL_ERROR;
            case PRODUCTION -> ErrorKind.PRODUCTION;
            case OUT_OF_RANGE, LABEL_OUT_OF_RANGE -> ErrorKind.OUT_OF_RANGE;
        };
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
                .setFidelitySampleCount((int) Math.min(Integer.MAX_VALUE, m.fidelitySampleCount()))
                .setMuFidelity(m.muFidelity()).setDeletionAuc(m.deletionAuc())
                .build();
    }

    public static MetricsRecord fromAvro(ExplanationMetrics a) {
        Map<String, Double> fractions = new LinkedHashMap<>();
        a.getCertifiedFractions().forEach(f -> fractions.put(Double.toString(f.getEpsilon()), f.getFraction()));
        return new MetricsRecord(a.getWindowStart().toEpochMilli(), a.getWindowEnd().toEpochMilli(),
                a.getModelName(), a.getModelVersion(), a.getExplainedCount(), a.getDeadLetteredCount(), Map.of(),
                a.getLabelledCount(), a.getAccuracy(), a.getCertificateMean(), quantiles(a.getCertificateQuantiles()),
                fractions, List.copyOf(a.getClassHistogram()), a.getCounterfactualDistanceMean(),
                a.getBoundaryResidualMean(), quantiles(a.getLatencyQuantilesMs()), a.getBatchSizeMean(),
                a.getFidelitySampleCount(), a.getMuFidelity(), a.getDeletionAuc());
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
