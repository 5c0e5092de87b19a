package io.otnn.explain.input;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.datasets.PixelDecoder;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes image bytes into the model's input: {@code float[H·W·C]} row-major, channels last, in the model's input
 * range. The product's one decoder: the stream, the CLI and the data-set readers all use it. Every failure is an
 * {@link InvalidImageException} with a {@link RejectionKind}; nothing else escapes. Thread-safe.
 *
 * <p>Checks, in this order: byte count ({@code OVERSIZE}), declared width and height ({@code WRONG_SHAPE}), declared
 * channels ({@code WRONG_CHANNELS}), then per encoding:
 * <ul>
 *   <li>RAW_U8: byte count; each value is {@code raw · rawScale + rawOffset}, clipped to [min, max] (the checkpoint's
 *       preprocessing).</li>
 *   <li>RAW_F32: byte count; a NaN or infinite value is {@code NON_FINITE}; a value outside [min, max] by more than
 *       {@link #RANGE_TOLERANCE}·(max − min) is {@code OUT_OF_RANGE} (the certificates hold on the input range
 *       only); a value within the tolerance is set to the bound.</li>
 *   <li>PNG, JPEG: the width and height of the file's header, read before any pixel is decoded, must be the declared
 *       ones ({@code OVERSIZE} when the header declares more than {@link #OVERSIZE_FACTOR} times the model's pixels,
 *       else {@code WRONG_SHAPE}); so the decoder only ever decodes an image of the model's size, and it holds at most
 *       the bytes, one raster of H·W·(≤ 4 bands)·(≤ 2 bytes) and the output. Samples of any bit depth (1 to 16) are
 *       scaled to 0–255, then mapped as RAW_U8 (16-bit precision is kept). The colour channels (palette
 *       included) must be the model's: channels are never converted. An alpha channel is accepted when every pixel is
 *       opaque, and dropped; a translucent pixel is {@code WRONG_CHANNELS}.</li>
 * </ul>
 */
public final class ImageDecoder implements PixelDecoder {

    /** Compressed images larger than this are refused before decoding. */
    public static final int DEFAULT_MAX_BYTES = 16 << 20;
    /** A PNG or JPEG header declaring more than this many times the model's pixels is {@code OVERSIZE}. */
    public static final int OVERSIZE_FACTOR = 4;
    /** How far past a bound of the input range a RAW_F32 value may lie (float rounding), as a fraction of max − min. */
    public static final double RANGE_TOLERANCE = 1e-5;

    private final ModelMetadata.Input input;
    private final int maxBytes;
    private final double tolerance;
    /** {@link #fromRaw} of each byte value: RAW_U8 decodes by lookup (the stream decodes every image this way). */
    private final float[] rawU8Values;

    public ImageDecoder(ModelMetadata metadata) {
        this(metadata.input(), DEFAULT_MAX_BYTES);
    }

    public ImageDecoder(ModelMetadata.Input input, int maxBytes) {
        this.input = input;
        this.maxBytes = maxBytes;
        this.tolerance = RANGE_TOLERANCE * (input.max() - input.min());
        this.rawU8Values = new float[256];
        for (int b = 0; b < 256; b++) rawU8Values[b] = fromRaw(b);
    }

    /** RAW_U8 with one channel: how the data sets' IDX images become this model's input. */
    @Override
    public float[] decodeGray8(byte[] pixels, int width, int height) {
        return decode(PixelFormat.RAW_U8, pixels, width, height, 1);
    }

    /**
     * @param encoding the name of a {@link PixelFormat}, case-insensitive; any other is {@code UNSUPPORTED_ENCODING}
     * @see #decode(PixelFormat, byte[], int, int, int)
     */
    public float[] decode(String encoding, byte[] bytes, int width, int height, int channels) {
        checkSize(bytes);
        return decode(PixelFormat.parse(encoding), bytes, width, height, channels);
    }

    /**
     * @param width, height, channels what the producer declares; checked against the model and, for PNG and JPEG,
     *                                 against the file's header
     * @throws InvalidImageException with the kind of the failure
     */
    public float[] decode(PixelFormat encoding, byte[] bytes, int width, int height, int channels) {
        checkSize(bytes);
        if (encoding == null) throw new InvalidImageException(RejectionKind.UNSUPPORTED_ENCODING, "no encoding given");
        checkShape(width, height, channels);
        try {
            return switch (encoding) {
                case RAW_U8 -> rawU8(bytes);
                case RAW_F32 -> rawF32(bytes);
                case PNG, JPEG -> compressed(encoding, bytes);
            };
        } catch (InvalidImageException e) {
            throw e;
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError vm && !(vm instanceof OutOfMemoryError)) throw vm;
            throw new InvalidImageException(RejectionKind.UNDECODABLE, encoding + " decoder failed: " + e, e);
        }
    }

    private void checkSize(byte[] bytes) {
        if (bytes == null) throw new InvalidImageException(RejectionKind.UNDECODABLE, "no bytes");
        if (bytes.length > maxBytes) {
            throw new InvalidImageException(
                    RejectionKind.OVERSIZE, "the image has " + bytes.length + " bytes, the limit is " + maxBytes);
        }
    }

    private void checkShape(int width, int height, int channels) {
        if (width != input.width() || height != input.height()) {
            throw new InvalidImageException(
                    RejectionKind.WRONG_SHAPE,
                    "declared " + height + "×" + width + ", the model takes " + input.height() + "×" + input.width());
        }
        if (channels != input.channels()) {
            throw new InvalidImageException(
                    RejectionKind.WRONG_CHANNELS,
                    "declared " + channels + " channel(s), the model takes " + input.channels());
        }
    }

    private float[] rawU8(byte[] bytes) {
        if (bytes.length != input.size()) {
            throw new InvalidImageException(
                    RejectionKind.WRONG_SHAPE,
                    "RAW_U8 data has " + bytes.length + " bytes, " + shape() + " needs " + input.size());
        }
        float[] out = new float[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = rawU8Values[bytes[i] & 0xff];
        return out;
    }

    private float[] rawF32(byte[] bytes) {
        if (bytes.length != 4 * input.size()) {
            throw new InvalidImageException(
                    RejectionKind.WRONG_SHAPE,
                    "RAW_F32 data has " + bytes.length + " bytes, " + shape() + " float32 needs " + 4 * input.size());
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[input.size()];
        for (int i = 0; i < out.length; i++) {
            float v = buffer.getFloat();
            if (!Float.isFinite(v)) {
                throw new InvalidImageException(RejectionKind.NON_FINITE, "value " + i + " is " + v);
            }
            if (v < input.min() - tolerance || v > input.max() + tolerance) {
                throw new InvalidImageException(
                        RejectionKind.OUT_OF_RANGE,
                        "value " + i + " is " + v + ", outside the model's input range [" + input.min() + ", "
                                + input.max() + "]");
            }
            out[i] = clip(v);
        }
        return out;
    }

    private float[] compressed(PixelFormat encoding, byte[] bytes) throws InvalidImageException {
        String format = encoding == PixelFormat.PNG ? "png" : "jpeg";
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
        if (!readers.hasNext()) {
            throw new InvalidImageException(RejectionKind.UNSUPPORTED_ENCODING, "no " + encoding + " reader");
        }
        ImageReader reader = readers.next();
        // in memory: ImageIO's default stream for an InputStream caches in a temporary file
        try (ImageInputStream stream = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            if (!reader.getOriginatingProvider().canDecodeInput(stream)) {
                throw new InvalidImageException(RejectionKind.UNDECODABLE, "the bytes are not a " + encoding + " file");
            }
            reader.setInput(stream, true, true);
            // the header alone, before any pixel is allocated: a small file can declare a huge image
            int w = reader.getWidth(0);
            int h = reader.getHeight(0);
            if (w != input.width() || h != input.height()) {
                boolean oversize = (long) w * h > (long) OVERSIZE_FACTOR * input.width() * input.height();
                throw new InvalidImageException(
                        oversize ? RejectionKind.OVERSIZE : RejectionKind.WRONG_SHAPE,
                        "the " + encoding + " header says " + h + "×" + w + ", the model takes " + input.height() + "×"
                                + input.width());
            }
            return pixels(reader.read(0), encoding);
        } catch (IOException e) {
            throw new InvalidImageException(
                    RejectionKind.UNDECODABLE, encoding + " cannot be decoded: " + e.getMessage(), e);
        } finally {
            reader.dispose();
        }
    }

    private float[] pixels(BufferedImage image, PixelFormat encoding) {
        ColorModel colours = image.getColorModel();
        Raster raster = image.getRaster();
        int channels = input.channels();
        if (colours instanceof IndexColorModel palette) {
            return paletted(raster, palette, encoding);
        }
        if (colours.getNumColorComponents() != channels) {
            throw wrongChannels(encoding, colours.getNumColorComponents());
        }
        int bands = raster.getNumBands();
        double[] toByte = new double[bands];
        for (int b = 0; b < bands; b++) {
            toByte[b] = 255.0 / ((1L << raster.getSampleModel().getSampleSize(b)) - 1);
        }
        boolean alpha = colours.hasAlpha();
        int opaque = alpha ? (int) ((1L << raster.getSampleModel().getSampleSize(bands - 1)) - 1) : 0;
        int w = raster.getWidth();
        int h = raster.getHeight();
        float[] out = new float[w * h * channels];
        int[] pixel = new int[bands];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.getPixel(x, y, pixel);
                if (alpha && pixel[bands - 1] != opaque) throw translucent(encoding, x, y, pixel[bands - 1], opaque);
                for (int c = 0; c < channels; c++) out[(y * w + x) * channels + c] = fromRaw(pixel[c] * toByte[c]);
            }
        }
        return out;
    }

    /** A palette image (also how ImageIO reads 1-, 2- and 4-bit gray PNGs): gray when every entry is gray. */
    private float[] paletted(Raster raster, IndexColorModel palette, PixelFormat encoding) {
        boolean gray = true;
        for (int p = 0; p < palette.getMapSize(); p++) {
            gray &= palette.getRed(p) == palette.getGreen(p) && palette.getGreen(p) == palette.getBlue(p);
        }
        int channels = input.channels();
        if ((gray ? 1 : 3) != channels) throw wrongChannels(encoding, gray ? 1 : 3);
        int w = raster.getWidth();
        int h = raster.getHeight();
        float[] out = new float[w * h * channels];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = raster.getSample(x, y, 0);
                if (palette.getAlpha(p) != 255) throw translucent(encoding, x, y, palette.getAlpha(p), 255);
                int i = (y * w + x) * channels;
                out[i] = fromRaw(palette.getRed(p));
                if (channels == 3) {
                    out[i + 1] = fromRaw(palette.getGreen(p));
                    out[i + 2] = fromRaw(palette.getBlue(p));
                }
            }
        }
        return out;
    }

    private InvalidImageException wrongChannels(PixelFormat encoding, int colourChannels) {
        return new InvalidImageException(
                RejectionKind.WRONG_CHANNELS,
                "the " + encoding + " has " + colourChannels + " colour channel(s), the model takes "
                        + input.channels());
    }

    private static InvalidImageException translucent(PixelFormat encoding, int x, int y, int alpha, int opaque) {
        return new InvalidImageException(
                RejectionKind.WRONG_CHANNELS,
                "the " + encoding + " has a translucent pixel" + " at x=" + x + ", y=" + y + " (alpha " + alpha + " of "
                        + opaque + "); the model takes no alpha");
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
