package io.otnn.streams.records;

/**
 * A float tensor stored compactly as an 8-bit PNG: value = offset + scale · byte / 255.
 *
 * @param format   {@code PNG_U8}
 * @param width    width in pixels
 * @param height   height in pixels
 * @param channels 1 (grey) or 3 (RGB)
 * @param scale    value range covered by the 255 steps
 * @param offset   value of byte 0
 * @param data     the PNG bytes
 */
public record EncodedTensor(String format, int width, int height, int channels, float scale, float offset,
                            byte[] data) {
    public static final String PNG_U8 = "PNG_U8";
}
