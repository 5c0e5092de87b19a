package io.otnn.datasets;

/**
 * Turns the 8-bit pixels of one single-channel image into a model's input values: the model's preprocessing (for a
 * checkpoint, explain-core's {@code ImageDecoder}; for training, raw / 255).
 */
@FunctionalInterface
public interface PixelDecoder {

    /** Raw / 255: the [0, 1] input of the paper's models. */
    PixelDecoder UNIT_RANGE = (pixels, width, height) -> {
        float[] x = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) x[i] = (pixels[i] & 0xff) / 255f;
        return x;
    };

    float[] decodeGray8(byte[] pixels, int width, int height);
}
