package io.otnn.streams.topology;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import javax.imageio.ImageIO;

import io.otnn.streams.records.EncodedTensor;

/**
 * Encodes a float HWC tensor as an 8-bit PNG plus scale and offset (value = offset + scale · byte / 255), so that
 * an explanation of a 224×224×3 image stays far below Kafka's 1 MB message limit.
 */
public final class CompactTensors {

    private CompactTensors() {
    }

    public static EncodedTensor encode(float[] values, int height, int width, int channels) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (values.length == 0) {
            min = 0;
            max = 0;
        }
        float scale = max - min;
        int type = channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR;
        BufferedImage image = new BufferedImage(width, height, type);
        WritableRaster raster = image.getRaster();
        int[] sample = new int[channels];
        int i = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < channels; c++) {
                    float v = values[i++];
                    sample[c] = scale == 0 ? 0 : Math.round((v - min) / scale * 255f);
                }
                raster.setPixel(x, y, sample);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new EncodedTensor(EncodedTensor.PNG_U8, width, height, channels, scale, min, out.toByteArray());
    }
}
