package io.otnn.datasets;

/**
 * Images read from IDX files as they are stored: 8-bit pixels, row-major {@code [N, H, W]}, one channel, and their
 * labels ({@code null} when read without a labels file).
 */
public record IdxImages(byte[] pixels, int[] labels, int count, int height, int width) {

    public IdxImages {
        if (pixels.length != (long) count * height * width) {
            throw new IllegalArgumentException(
                    pixels.length + " pixels for " + count + " images of " + height + "×" + width);
        }
        if (labels != null && labels.length != count) {
            throw new IllegalArgumentException(labels.length + " labels for " + count + " images");
        }
    }

    /** The pixels mapped to [0, 1] (raw / 255, the paper's preprocessing, A.2.1), row-major {@code [N, H, W]}. */
    public float[] unitRange() {
        float[] x = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) x[i] = (pixels[i] & 0xff) / 255f;
        return x;
    }
}
