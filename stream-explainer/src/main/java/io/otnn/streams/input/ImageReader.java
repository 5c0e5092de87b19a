package io.otnn.streams.input;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.input.ImageDecoder;
import io.otnn.explain.input.RejectionKind;
import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.format.RecordFormat;
import io.otnn.streams.records.ImageInput;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Turns a received record into the model's input: parses the value in the wire format, checks the key, and decodes
 * the image into the model's input range. Every refusal is a {@link RejectedRecordException} of its own kind.
 */
public final class ImageReader {

    /** A record that parsed and decoded: the image event and its pixels, HWC in the model's input range. */
    public record DecodedImage(ImageInput input, float[] pixels) {}

    private final RecordFormat format;
    private final ImageDecoder decoder;
    private final int classes;

    public ImageReader(RecordFormat format, ModelMetadata model, int maxImageBytes) {
        this.format = format;
        this.decoder = new ImageDecoder(model.input(), maxImageBytes);
        this.classes = model.classNames().size();
    }

    public DecodedImage read(ReceivedImage received) throws RejectedRecordException {
        ImageInput input = parse(received);
        checkLabel(input);
        return new DecodedImage(input, input.decodeWith(decoder));
    }

    /** A label, when there is one, must name a class of the model: the accuracy and class mix are computed from it. */
    private void checkLabel(ImageInput input) throws RejectedRecordException {
        Integer label = input.label();
        if (label != null && (label < 0 || label >= classes)) {
            throw new RejectedRecordException(
                    RejectionKind.LABEL_OUT_OF_RANGE,
                    "label " + label + " is not a class of the model (0.." + (classes - 1) + ")",
                    input.imageId(),
                    null);
        }
    }

    private ImageInput parse(ReceivedImage received) throws RejectedRecordException {
        if (received.value() == null || received.value().length == 0) {
            throw new RejectedRecordException(
                    RejectionKind.EMPTY_VALUE, "the record has no value", received.keyText(), null);
        }
        ImageInput input;
        try {
            input = format.readImage(received.topic(), new RecordHeaders(), received.value());
        } catch (RejectedRecordException e) {
            throw e.imageId() == null ? e.withImageId(received.keyText()) : e;
        }
        if (received.key() == null) {
            throw new RejectedRecordException(
                    RejectionKind.MISSING_KEY,
                    "the record has no key; images are keyed by their id",
                    input.imageId(),
                    null);
        }
        return input;
    }
}
