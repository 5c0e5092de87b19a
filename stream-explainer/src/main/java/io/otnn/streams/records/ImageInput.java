package io.otnn.streams.records;

import java.util.Objects;

/**
 * One image as the application sees it once the {@code ImageEvent} has been read from its wire format.
 *
 * <p>The application's own view, independent of the wire format: the Avro {@code io.otnn.avro.ImageEvent}
 * (schemas module) and the JSON format both map onto it.
 *
 * @param imageId   stable id of the image, also the Kafka key
 * @param encoding  how {@code data} is encoded (see {@link Encoding})
 * @param width     declared width in pixels
 * @param height    declared height in pixels
 * @param channels  declared channels (1 grey, 3 RGB)
 * @param data      the encoded pixels
 * @param label     the true class when known, else {@code null}
 * @param eventTime when the image was taken or published, epoch ms
 */
public record ImageInput(String imageId, String encoding, int width, int height, int channels, byte[] data,
                         Integer label, long eventTime) {

    /** The encodings the explainer understands; anything else is a dead letter. */
    public enum Encoding {
        /** one unsigned byte per value, HWC order, scaled with the model's raw scale and offset */
        RAW_U8,
        /** one little-endian IEEE-754 float per value, HWC order, already in the model's input range */
        RAW_F32,
        PNG,
        JPEG
    }

    public ImageInput {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(data, "data");
    }
}
