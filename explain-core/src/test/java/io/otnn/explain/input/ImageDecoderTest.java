package io.otnn.explain.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.otnn.explain.checkpoint.ModelMetadata;
import io.otnn.explain.input.InvalidImageException.Kind;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import javax.imageio.ImageIO;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {

    static final ModelMetadata.Input GRAY = ModelMetadata.Input.unitRange(4, 3, 1);
    static final ModelMetadata.Input RGB = new ModelMetadata.Input(List.of(2, 2, 3), -1.0, 1.0, 2.0 / 255.0, -1.0);
    final ImageDecoder gray = new ImageDecoder(GRAY, 1 << 16);
    final ImageDecoder rgb = new ImageDecoder(RGB, 1 << 16);

    @Test
    void shouldApplyRawScaleAndOffsetWhenPixelsAreRawBytes() {
        byte[] raw = new byte[12];
        for (int i = 0; i < raw.length; i++) raw[i] = (byte) (i * 20);
        float[] x = gray.decode(PixelFormat.RAW_U8, raw, 3, 4, 1);
        for (int i = 0; i < raw.length; i++) assertThat(x[i]).isCloseTo(i * 20 / 255f, within(1e-6f));

        byte[] colour = {0, (byte) 255, (byte) 128, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        float[] y = rgb.decode(PixelFormat.RAW_U8, colour, 2, 2, 3);
        assertThat(y[0]).isEqualTo(-1f);
        assertThat(y[1]).isCloseTo(1f, within(1e-6f));
        assertThat(y[2]).isCloseTo(128 * 2 / 255f - 1, within(1e-6f));
    }

    @Test
    void shouldKeepLayoutWhenImageIsAPngOrJpeg() throws IOException {
        BufferedImage image = new BufferedImage(3, 4, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 3; x++) image.getRaster().setSample(x, y, 0, 20 * (y * 3 + x));
        float[] png = gray.decode(PixelFormat.PNG, encode(image, "png"), 3, 4, 1);
        for (int i = 0; i < 12; i++) assertThat(png[i]).isCloseTo(20 * i / 255f, within(1e-6f));

        float[] jpeg = gray.decode(PixelFormat.JPEG, encode(image, "jpeg"), 3, 4, 1);
        for (int i = 0; i < 12; i++) assertThat(jpeg[i]).isCloseTo(20 * i / 255f, within(0.1f)); // lossy

        BufferedImage colour = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        colour.setRGB(1, 0, 0xff0000);
        float[] c = rgb.decode(PixelFormat.PNG, encode(colour, "png"), 2, 2, 3);
        assertThat(c).startsWith(-1f, -1f, -1f, 1f, -1f, -1f);
    }

    @Test
    void shouldGiveTypedErrorsWhenImageIsWrong() throws IOException {
        kind(() -> gray.decode(PixelFormat.RAW_U8, new byte[12], 4, 3, 1), Kind.WRONG_SHAPE);
        kind(() -> gray.decode(PixelFormat.RAW_U8, new byte[11], 3, 4, 1), Kind.WRONG_SHAPE);
        kind(() -> gray.decode(PixelFormat.RAW_U8, new byte[36], 3, 4, 3), Kind.WRONG_CHANNELS);
        BufferedImage colour = new BufferedImage(3, 4, BufferedImage.TYPE_INT_RGB);
        kind(() -> gray.decode(PixelFormat.PNG, encode(colour, "png"), 3, 4, 1), Kind.WRONG_CHANNELS);
        BufferedImage big = new BufferedImage(30, 40, BufferedImage.TYPE_BYTE_GRAY);
        kind(() -> gray.decode(PixelFormat.PNG, encode(big, "png"), 3, 4, 1), Kind.OVERSIZE);
        BufferedImage small = new BufferedImage(3, 3, BufferedImage.TYPE_BYTE_GRAY);
        kind(() -> gray.decode(PixelFormat.PNG, encode(small, "png"), 3, 4, 1), Kind.WRONG_SHAPE);
        kind(() -> gray.decode(PixelFormat.RAW_U8, new byte[1 << 17], 3, 4, 1), Kind.OVERSIZE);

        ByteBuffer floats = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        floats.putFloat(0, 0.5f).putFloat(20, Float.NaN);
        kind(() -> gray.decode(PixelFormat.RAW_F32, floats.array(), 3, 4, 1), Kind.NON_FINITE);
        floats.putFloat(20, Float.POSITIVE_INFINITY);
        kind(() -> gray.decode(PixelFormat.RAW_F32, floats.array(), 3, 4, 1), Kind.NON_FINITE);

        kind(() -> gray.decode(PixelFormat.PNG, "not an image at all".getBytes(), 3, 4, 1), Kind.UNDECODABLE);
        byte[] png = encode(new BufferedImage(3, 4, BufferedImage.TYPE_BYTE_GRAY), "png");
        kind(() -> gray.decode(PixelFormat.PNG, java.util.Arrays.copyOf(png, png.length / 2), 3, 4, 1), Kind.UNDECODABLE);
        kind(() -> gray.decode(PixelFormat.JPEG, png, 3, 4, 1), Kind.UNDECODABLE);
        kind(() -> gray.decode(null, png, 3, 4, 1), Kind.UNSUPPORTED_ENCODING);
    }

    @Test
    void shouldNeverThrowAnythingElseWhenBytesAreRandom() {
        java.util.Random random = new java.util.Random(1);
        byte[] header = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10};
        for (int i = 0; i < 300; i++) {
            byte[] bytes = new byte[random.nextInt(200)];
            random.nextBytes(bytes);
            if (i % 2 == 0 && bytes.length > 8) System.arraycopy(header, 0, bytes, 0, 8);
            for (PixelFormat format : PixelFormat.values()) {
                try {
                    gray.decode(format, bytes, 3, 4, 1);
                } catch (InvalidImageException expected) {
                    assertThat(expected.kind()).isNotNull();
                }
            }
        }
    }

    static void kind(ThrowingCallable call, Kind kind) {
        assertThatThrownBy(call).isInstanceOf(InvalidImageException.class)
                .satisfies(e -> assertThat(((InvalidImageException) e).kind()).isEqualTo(kind));
    }

    static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }
}
