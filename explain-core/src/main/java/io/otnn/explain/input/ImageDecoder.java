package io.otnn.explain.input;

import io.otnn.explain.checkpoint.ModelMetadata;
import io.otnn.explain.input.InvalidImageException.Kind;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes image bytes into the model's input: {@code float[H·W·C]} row-major in the model's range, with the
 * preprocessing of {@code otnn-model.json} ({@code raw · rawScale + rawOffset}, clipped to [min, max]). PNG and JPEG go
 * through {@code javax.imageio}. Every failure is an {@link InvalidImageException} with a {@link Kind}; nothing else
 * escapes. Thread-safe.
 */
public final class ImageDecoder {

    /** Compressed images larger than this are refused before decoding. */
    public static final int DEFAULT_MAX_BYTES = 16 << 20;

    private final ModelMetadata.Input input;
    private final int maxBytes;

    public ImageDecoder(ModelMetadata metadata) {
        this(metadata.input(), DEFAULT_MAX_BYTES);
    }

    public ImageDecoder(ModelMetadata.Input input, int maxBytes) {
        this.input = input;
        this.maxBytes = maxBytes;
    }

    /**
     * @param width, height, channels what the producer declares; checked against the model and, for PNG and JPEG,
     *                                 against the file's header
     * @throws InvalidImageException with the kind of the failure
     */
    public float[] decode(PixelFormat encoding, byte[] bytes, int width, int height, int channels) {
        if (encoding == null) throw new InvalidImageException(Kind.UNSUPPORTED_ENCODING, "no encoding given");
        if (bytes == null) throw new InvalidImageException(Kind.UNDECODABLE, "no bytes");
        if (bytes.length > maxBytes) {
            throw new InvalidImageException(Kind.OVERSIZE, bytes.length + " bytes, the limit is " + maxBytes);
        }
        checkShape(width, height, channels);
        try {
            return switch (encoding) {
                case RAW_U8 -> rawU8(bytes);
                case RAW_F32 -> rawF32(bytes);
                case PNG, JPEG -> compressed(encoding, bytes, width, height);
            };
        } catch (InvalidImageException e) {
            throw e;
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError vm && !(vm instanceof OutOfMemoryError)) throw vm;
            throw new InvalidImageException(Kind.UNDECODABLE, encoding + " decoder failed: " + e, e);
        }
    }

    private void checkShape(int width, int height, int channels) {
        if (channels != input.channels()) {
            throw new InvalidImageException(Kind.WRONG_CHANNELS, "declared " + channels + " channels, the model takes "
                    + input.channels());
        }
        if (width != input.width() || height != input.height()) {
            throw new InvalidImageException(Kind.WRONG_SHAPE, "declared " + height + "×" + width + ", the model takes "
                    + input.height() + "×" + input.width());
        }
    }

    private float[] rawU8(byte[] bytes) {
        if (bytes.length != input.size()) {
            throw new InvalidImageException(Kind.WRONG_SHAPE, bytes.length + " bytes, " + shape() + " needs "
                    + input.size());
        }
        float[] out = new float[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = fromRaw(bytes[i] & 0xff);
        return out;
    }

    private float[] rawF32(byte[] bytes) {
        if (bytes.length != 4 * input.size()) {
            throw new InvalidImageException(Kind.WRONG_SHAPE, bytes.length + " bytes, " + shape() + " float32 needs "
                    + 4 * input.size());
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[input.size()];
        for (int i = 0; i < out.length; i++) {
            float v = buffer.getFloat();
            if (!Float.isFinite(v)) {
                throw new InvalidImageException(Kind.NON_FINITE, "value " + i + " is " + v);
            }
            out[i] = clip(v);
        }
        return out;
    }

    private float[] compressed(PixelFormat encoding, byte[] bytes, int width, int height) throws InvalidImageException {
        String format = encoding == PixelFormat.PNG ? "png" : "jpeg";
        try (ImageInputStream stream = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(stream);
            if (!readers.hasNext()) {
                throw new InvalidImageException(Kind.UNDECODABLE, "not a " + encoding + " image (no reader recognises it)");
            }
            ImageReader reader = readers.next();
            try {
                if (!reader.getFormatName().toLowerCase(java.util.Locale.ROOT).contains(format)) {
                    throw new InvalidImageException(Kind.UNDECODABLE, "declared " + encoding + " but the bytes are "
                            + reader.getFormatName());
                }
                reader.setInput(stream, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                // check the header before allocating pixels: a small file can declare a huge image
                if (w != width || h != height) {
                    throw new InvalidImageException((long) w * h > 4L * input.width() * input.height() ? Kind.OVERSIZE
                            : Kind.WRONG_SHAPE, "the " + encoding + " is " + h + "×" + w + ", declared " + height + "×"
                            + width);
                }
                BufferedImage image = reader.read(0);
                return pixels(image.getRaster(), encoding);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new InvalidImageException(Kind.UNDECODABLE, encoding + " cannot be decoded: " + e.getMessage(), e);
        }
    }

    private float[] pixels(Raster raster, PixelFormat encoding) {
        int bands = raster.getNumBands();
        if (bands != input.channels()) {
            throw new InvalidImageException(Kind.WRONG_CHANNELS, "the " + encoding + " has " + bands
                    + " channels, the model takes " + input.channels());
        }
        int bits = raster.getSampleModel().getSampleSize(0);
        double toByte = bits == 8 ? 1.0 : 255.0 / ((1 << bits) - 1);
        int w = raster.getWidth();
        int h = raster.getHeight();
        float[] out = new float[w * h * bands];
        int[] pixel = new int[bands];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.getPixel(x, y, pixel);
                for (int c = 0; c < bands; c++) out[(y * w + x) * bands + c] = fromRaw(pixel[c] * toByte);
            }
        }
        return out;
    }

    private float fromRaw(double raw) {
        return clip((float) (raw * input.rawScale() + input.rawOffset()));
    }

    private float clip(float v) {
        return (float) Math.min(input.max(), Math.max(input.min(), v));
    }

    private String shape() {
        return input.shape().toString();
    }
}
