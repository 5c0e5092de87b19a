package io.otnn.streams.records;

import io.otnn.explain.input.ImageDecoder;
import io.otnn.explain.input.InvalidImageException;
import io.otnn.streams.deadletter.RejectedRecordException;
import java.util.Objects;

/**
 * One image as the application sees it once the {@code ImageEvent} has been read from its wire format.
 *
 * <p>The application's own view, independent of the wire format: the Avro {@code io.otnn.avro.ImageEvent}
 * (schemas module) and the JSON format both map onto it.
 *
 * @param imageId   stable id of the image, also the Kafka key
 * @param encoding  how {@code data} is encoded: the name of an {@link io.otnn.explain.input.PixelFormat}; any
 *                  other is refused when decoded
 * @param width     declared width in pixels
 * @param height    declared height in pixels
 * @param channels  declared channels (1 grey, 3 RGB)
 * @param data      the encoded pixels
 * @param label     the true class when known, else {@code null}
 * @param eventTime when the image was taken or published, epoch ms
 */
public record ImageInput(
        String imageId,
        String encoding,
        int width,
        int height,
        int channels,
        byte[] data,
        Integer label,
        long eventTime) {

    public ImageInput {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(data, "data");
    }

    /** The model's input for this image; a refusal becomes a dead letter with this image's id. */
    public float[] decodeWith(ImageDecoder decoder) throws RejectedRecordException {
        try {
            return decoder.decode(encoding, data, width, height, channels);
        } catch (InvalidImageException e) {
            throw new RejectedRecordException(e.kind(), e.getMessage(), imageId, e);
        }
    }
}
