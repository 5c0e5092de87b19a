package io.otnn.streams.input;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

import javax.imageio.ImageIO;

import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.deadletter.RejectionKind;
import io.otnn.streams.engine.ModelInfo;
import io.otnn.streams.records.ImageInput;

/**
 * Checks an image against the model's input contract and decodes it into the model's input range (HWC floats).
 *
 * <p>Order of the checks: size, encoding, declared shape, declared channels, decoding, values. Each failure has
 * its own {@link RejectionKind}.
 */
public final class ImageValidator {

    private final ModelInfo model;
    private final int maxBytes;

    public ImageValidator(ModelInfo model, int maxBytes) {
        this.model = model;
        this.maxBytes = maxBytes;
    }

    public float[] decode(ImageInput image) throws RejectedRecordException {
        if (image.data().length > maxBytes) {
            throw reject(image, RejectionKind.OVERSIZE,
                    "the image has " + image.data().length + " bytes, more than image.max.bytes = " + maxBytes);
        }
        ImageInput.Encoding encoding;
        try {
            encoding = ImageInput.Encoding.valueOf(image.encoding().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw reject(image, RejectionKind.UNSUPPORTED_ENCODING, "unsupported encoding '" + image.encoding()
                    + "', expected one of RAW_U8, RAW_F32, PNG, JPEG");
        }
        if (image.width() != model.width() || image.height() != model.height()) {
            throw reject(image, RejectionKind.WRONG_SHAPE, "the image is " + image.width() + "x" + image.height()
                    + ", the model expects " + model.width() + "x" + model.height());
        }
        if (image.channels() != model.channels()) {
            throw reject(image, RejectionKind.WRONG_CHANNELS, "the image has " + image.channels()
                    + " channel(s), the model expects " + model.channels());
        }
        float[] pixels = switch (encoding) {
            case RAW_U8 -> rawU8(image);
            case RAW_F32 -> rawF32(image);
            case PNG, JPEG -> compressed(image);
        };
        for (int i = 0; i < pixels.length; i++) {
            if (!Float.isFinite(pixels[i])) {
                throw reject(image, RejectionKind.NON_FINITE, "value " + i + " is " + pixels[i]);
            }
        }
        return pixels;
    }

    private float[] rawU8(ImageInput image) throws RejectedRecordException {
        byte[] data = image.data();
        if (data.length != model.inputSize()) {
            throw reject(image, RejectionKind.WRONG_SHAPE,
                    "RAW_U8 data has " + data.length + " values, the model expects " + model.inputSize());
        }
        float[] pixels = new float[data.length];
        for (int i = 0; i < data.length; i++) {
            pixels[i] = scaleRaw(data[i] & 0xff);
        }
        return pixels;
    }

    private float[] rawF32(ImageInput image) throws RejectedRecordException {
        byte[] data = image.data();
        if (data.length != 4 * model.inputSize()) {
            throw reject(image, RejectionKind.WRONG_SHAPE, "RAW_F32 data has " + data.length
                    + " bytes, the model expects " + 4 * model.inputSize());
        }
        float[] pixels = new float[model.inputSize()];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(pixels);
        return pixels;
    }

    private float[] compressed(ImageInput image) throws RejectedRecordException {
        BufferedImage decoded;
        try {
            decoded = ImageIO.read(new ByteArrayInputStream(image.data()));
        } catch (IOException | RuntimeException e) {
            throw reject(image, RejectionKind.UNDECODABLE, "cannot decode the " + image.encoding() + ": " + e);
        }
        if (decoded == null) {
            throw reject(image, RejectionKind.UNDECODABLE, "the bytes are not a readable " + image.encoding());
        }
        if (decoded.getWidth() != model.width() || decoded.getHeight() != model.height()) {
            throw reject(image, RejectionKind.WRONG_SHAPE, "the decoded image is " + decoded.getWidth() + "x"
                    + decoded.getHeight() + ", the model expects " + model.width() + "x" + model.height());
        }
        Raster raster = decoded.getRaster();
        int bands = raster.getNumBands();
        int channels = model.channels();
        if (bands != channels && !(channels == 3 && bands == 4) && !(channels == 1 && bands == 2)) {
            throw reject(image, RejectionKind.WRONG_CHANNELS, "the decoded image has " + bands
                    + " band(s), the model expects " + channels);
        }
        float[] pixels = new float[model.inputSize()];
        int[] sample = new int[bands];
        int i = 0;
        for (int y = 0; y < model.height(); y++) {
            for (int x = 0; x < model.width(); x++) {
                raster.getPixel(x, y, sample);
                for (int c = 0; c < channels; c++) {
                    pixels[i++] = scaleRaw(sample[c]);
                }
            }
        }
        return pixels;
    }

    private float scaleRaw(int raw) {
        double value = raw * model.rawScale() + model.rawOffset();
        return (float) Math.max(model.min(), Math.min(model.max(), value));
    }

    private static RejectedRecordException reject(ImageInput image, RejectionKind kind, String message) {
        return new RejectedRecordException(kind, message, image.imageId(), null);
    }
}
