package io.otnn.streams.testing;

import io.otnn.streams.records.ImageInput;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Random;
import javax.imageio.ImageIO;

/** Small test images. */
public final class Images {

    private Images() {}

    public static byte[] randomU8(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    public static ImageInput rawU8(
            String id, int height, int width, int channels, long seed, Integer label, long eventTime) {
        return new ImageInput(
                id, "RAW_U8", width, height, channels, randomU8(height * width * channels, seed), label, eventTime);
    }

    public static float[] decodeU8(byte[] data) {
        float[] pixels = new float[data.length];
        for (int i = 0; i < data.length; i++) {
            pixels[i] = (float) ((data[i] & 0xff) * (1 / 255.0));
        }
        return pixels;
    }

    public static byte[] f32(float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buffer.putFloat(v);
        }
        return buffer.array();
    }

    public static byte[] png(int width, int height, int type) {
        BufferedImage image = new BufferedImage(width, height, type);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
