package io.otnn.streams.batching;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.ErrorKind;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.input.RejectionKind;
import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.input.ReceivedImage;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * Builds the dead letter of a refused record, the Avro contract's {@code DeadLetter}: the reason, and the original
 * key and value bytes. The one place where a refusal becomes the published record.
 */
final class DeadLetters {

    private final ModelMetadata model;
    private final String application;

    DeadLetters(ModelMetadata model, String application) {
        this.model = model;
        this.application = application;
    }

    DeadLetter of(ReceivedImage received, RejectedRecordException e, long now) {
        return DeadLetter.newBuilder()
                .setKey(wrap(received.key()))
                .setValue(wrap(received.value()))
                .setSourceTopic(received.topic())
                .setPartition(received.partition())
                .setOffset(received.offset())
                .setErrorKind(errorKind(e.kind()))
                .setMessage(e.getMessage())
                .setTime(Instant.ofEpochMilli(now))
                .setApplication(application)
                .setRejectionKind(e.kind().name())
                .setSourceTimestamp(received.timestamp())
                .setModelName(model.name())
                .setModelVersion(model.version())
                .build();
    }

    /** The same dead letter without the original value, saying why it was left out. */
    DeadLetter withoutValue(DeadLetter d, String why) {
        int length = d.getValue() == null ? 0 : d.getValue().remaining();
        return DeadLetter.newBuilder(d)
                .setValue(null)
                .setMessage(d.getMessage() + " (the original value of " + length + " bytes is left out: " + why + ")")
                .build();
    }

    /**
     * The key of the dead letter: the image id when it was read, else the original key. Not repeated in the record:
     * an image id can be as long as the record's limit allows.
     */
    static String imageId(ReceivedImage received, RejectedRecordException e) {
        return e.imageId() != null ? e.imageId() : received.keyText();
    }

    /** The contract's coarser kind of each rejection: the one place where the two lists meet. */
    static ErrorKind errorKind(RejectionKind kind) {
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

    private static ByteBuffer wrap(byte[] bytes) {
        return bytes == null ? null : ByteBuffer.wrap(bytes);
    }
}
