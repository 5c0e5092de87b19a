package io.otnn.streams.batching;

import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.explain.checkpoint.ModelMetadata;
import io.otnn.streams.input.ReceivedImage;
import io.otnn.streams.records.DeadLetterRecord;

/** Builds the dead letter of a refused record: the reason, and the original key and value bytes. */
final class DeadLetters {

    private final ModelMetadata model;
    private final String application;

    DeadLetters(ModelMetadata model, String application) {
        this.model = model;
        this.application = application;
    }

    DeadLetterRecord of(ReceivedImage received, RejectedRecordException e, long now) {
        return new DeadLetterRecord(imageId(received, e), e.kind().name(), e.getMessage(), received.topic(),
                received.partition(), received.offset(), received.key(), received.value(), received.timestamp(),
                now, application, model.name(), model.version());
    }

    /** The same dead letter without the original value, saying why it was left out. */
    DeadLetterRecord withoutValue(DeadLetterRecord d, String why) {
        return new DeadLetterRecord(d.imageId(), d.kind(), d.message() + " (the original value of "
                + (d.value() == null ? 0 : d.value().length) + " bytes is left out: " + why + ")", d.topic(),
                d.partition(), d.offset(), d.key(), null, d.timestamp(), d.failedAt(), application, model.name(),
                model.version());
    }

    /** The key of the dead letter: the image id when it was read, else the original key. */
    static String imageId(ReceivedImage received, RejectedRecordException e) {
        return e.imageId() != null ? e.imageId() : received.keyText();
    }
}
