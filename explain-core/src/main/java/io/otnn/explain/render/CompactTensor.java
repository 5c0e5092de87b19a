package io.otnn.explain.render;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import javax.imageio.ImageIO;

/**
 * A float tensor carried as an 8-bit grayscale PNG plus an affine map: {@code value = offset + scale · byte / 255}
 * (the rule of the Avro {@code EncodedTensor} record). A tensor of shape {@code [H, W, C]} is stored as an image of
 * H rows and W·C columns (channels interleaved, as in memory), any other shape as one row. The quantisation error is at
 * most {@code scale / 510}. A 224×224×3 saliency map takes tens of KB instead of 600 KB of floats.
 *
 * @param png    the PNG bytes
 * @param shape  the tensor's shape
 * @param scale  max − min of the values (0 for a constant tensor)
 * @param offset min of the values
 */
public record CompactTensor(byte[] png, int[] shape, double scale, double offset) {

    /** Encodes {@code values} (finite) of {@code shape}. */
    public static CompactTensor encode(float[] values, int... shape) {
        int size = size(shape);
        if (size != values.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + size + " values, got " + values.length);
        }
        if (size == 0) throw new IllegalArgumentException("an empty tensor has no image");
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            // a NaN propagates into both: caught with the infinities after the loop
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (!Float.isFinite(min) || !Float.isFinite(max)) throw nonFinite(values);
        double scale = (double) max - min;
        int[] hw = imageSize(shape);
        byte[] pixels = new byte[size];
        double toByte = scale == 0 ? 0 : 255.0 / scale;
        double offset = min;
        for (int i = 0; i < size; i++) pixels[i] = (byte) quantise((values[i] - offset) * toByte);
        return new CompactTensor(GrayPng.write(pixels, hw[1], hw[0]), shape.clone(), scale, offset);
    }

    /**
     * {@code Math.round(x)} for {@code x} ≥ 0, without its call (JDK 17 does not inline it as an intrinsic, and it
     * was the explainer's costliest frame). {@code x + 0.5} is exact or rounds harmlessly for every {@code x ≥ 0.5};
     * below, only the doubles just under 0.5 would round up to 1, and Math.round gives 0 for all of them.
     */
    static int quantise(double x) {
        return x < 0.5 ? 0 : (int) (x + 0.5);
    }

    private static IllegalArgumentException nonFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) return new IllegalArgumentException("cannot encode a non-finite value: " + v);
        }
        throw new IllegalStateException("no non-finite value");
    }

    private static int size(int[] shape) {
        int size = 1;
        for (int d : shape) size = Math.multiplyExact(size, d);
        return size;
    }

    /** The values, {@code offset + scale · byte / 255}. */
    public float[] decode() {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(png));
        } catch (IOException e) {
            throw new IllegalArgumentException("not a PNG: " + e.getMessage(), e);
        }
        if (image == null) throw new IllegalArgumentException("not a PNG");
        int[] hw = imageSize(shape);
        if (image.getHeight() != hw[0]
                || image.getWidth() != hw[1]
                || image.getRaster().getNumBands() != 1) {
            throw new IllegalArgumentException("the PNG is " + image.getHeight() + "×" + image.getWidth() + "×"
                    + image.getRaster().getNumBands() + ", the shape " + Arrays.toString(shape) + " needs " + hw[0]
                    + "×" + hw[1] + "×1");
        }
        int[] samples = image.getRaster().getSamples(0, 0, hw[1], hw[0], 0, (int[]) null);
        float[] out = new float[samples.length];
        for (int i = 0; i < samples.length; i++) out[i] = (float) (offset + scale * samples[i] / 255.0);
        return out;
    }

    private static int[] imageSize(int[] shape) {
        if (shape.length == 3) return new int[] {shape[0], shape[1] * shape[2]};
        if (shape.length == 2) return new int[] {shape[0], shape[1]};
        return new int[] {1, size(shape)};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CompactTensor c
                && Arrays.equals(png, c.png)
                && Arrays.equals(shape, c.shape)
                && scale == c.scale
                && offset == c.offset;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(png) + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "CompactTensor" + Arrays.toString(shape) + "[" + png.length + " B png, scale=" + scale + ", offset="
                + offset + "]";
    }

    /** PNG writing shared by the renderers. */
    static final class Png {
        private Png() {}

        static byte[] write(BufferedImage image) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                if (!ImageIO.write(image, "png", out)) throw new IllegalStateException("no PNG writer in this JDK");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        }
    }
}
