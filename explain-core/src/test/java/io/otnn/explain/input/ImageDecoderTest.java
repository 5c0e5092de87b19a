package io.otnn.explain.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.otnn.checkpoint.ModelMetadata;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
    void shouldGiveEveryByteTheClippedAffineValueWhenPixelsAreRawBytes() {
        // a range narrower than the raw map's, so that both ends clip
        ModelMetadata.Input narrow = new ModelMetadata.Input(List.of(16, 16, 1), -0.5, 0.75, 2.0 / 255.0, -1.0);
        byte[] raw = new byte[256];
        for (int b = 0; b < 256; b++) raw[b] = (byte) b;
        float[] x = new ImageDecoder(narrow, ImageDecoder.DEFAULT_MAX_BYTES).decode(PixelFormat.RAW_U8, raw, 16, 16, 1);
        for (int b = 0; b < 256; b++) {
            float affine = (float) (b * (2.0 / 255.0) - 1.0);
            float expected = (float) Math.min(0.75, Math.max(-0.5, affine));
            assertThat(x[b]).as("byte %d", b).isEqualTo(expected);
        }
        assertThat(x[0]).isEqualTo(-0.5f);
        assertThat(x[255]).isEqualTo(0.75f);
    }

    @Test
    void shouldKeepLayoutWhenImageIsAPngOrJpeg() throws IOException {
        BufferedImage image = new BufferedImage(3, 4, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 3; x++) image.getRaster().setSample(x, y, 0, 20 * (y * 3 + x));
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
        kind(() -> gray.decode(PixelFormat.RAW_U8, new byte[12], 4, 3, 1), RejectionKind.WRONG_SHAPE);
        kind(() -> gray.decode(PixelFormat.RAW_U8, new byte[11], 3, 4, 1), RejectionKind.WRONG_SHAPE);
        kind(() -> gray.decode(PixelFormat.RAW_U8, new byte[36], 3, 4, 3), RejectionKind.WRONG_CHANNELS);
        BufferedImage colour = new BufferedImage(3, 4, BufferedImage.TYPE_INT_RGB);
        kind(() -> gray.decode(PixelFormat.PNG, encode(colour, "png"), 3, 4, 1), RejectionKind.WRONG_CHANNELS);
        BufferedImage big = new BufferedImage(30, 40, BufferedImage.TYPE_BYTE_GRAY);
        kind(() -> gray.decode(PixelFormat.PNG, encode(big, "png"), 3, 4, 1), RejectionKind.OVERSIZE);
        BufferedImage small = new BufferedImage(3, 3, BufferedImage.TYPE_BYTE_GRAY);
        kind(() -> gray.decode(PixelFormat.PNG, encode(small, "png"), 3, 4, 1), RejectionKind.WRONG_SHAPE);
        kind(() -> gray.decode(PixelFormat.RAW_U8, new byte[1 << 17], 3, 4, 1), RejectionKind.OVERSIZE);

        ByteBuffer floats = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        floats.putFloat(0, 0.5f).putFloat(20, Float.NaN);
        kind(() -> gray.decode(PixelFormat.RAW_F32, floats.array(), 3, 4, 1), RejectionKind.NON_FINITE);
        floats.putFloat(20, Float.POSITIVE_INFINITY);
        kind(() -> gray.decode(PixelFormat.RAW_F32, floats.array(), 3, 4, 1), RejectionKind.NON_FINITE);

        kind(() -> gray.decode(PixelFormat.PNG, "not an image at all".getBytes(), 3, 4, 1), RejectionKind.UNDECODABLE);
        byte[] png = encode(new BufferedImage(3, 4, BufferedImage.TYPE_BYTE_GRAY), "png");
        kind(
                () -> gray.decode(PixelFormat.PNG, Arrays.copyOf(png, png.length / 2), 3, 4, 1),
                RejectionKind.UNDECODABLE);
        kind(() -> gray.decode(PixelFormat.JPEG, png, 3, 4, 1), RejectionKind.UNDECODABLE);
        kind(() -> gray.decode((PixelFormat) null, png, 3, 4, 1), RejectionKind.UNSUPPORTED_ENCODING);
    }

    @Test
    void shouldKeepSixteenBitPrecisionWhenPngHasSixteenBitSamples() throws IOException {
        BufferedImage image = new BufferedImage(3, 4, BufferedImage.TYPE_USHORT_GRAY);
        int[] samples = {0, 65535, 32768, 1, 257, 65534, 12345, 40000, 2, 3, 60000, 100};
        for (int i = 0; i < 12; i++) image.getRaster().setSample(i % 3, i / 3, 0, samples[i]);
        byte[] png = encode(image, "png");
        assertThat(png[24]).as("PNG bit depth").isEqualTo((byte) 16);
        float[] x = gray.decode(PixelFormat.PNG, png, 3, 4, 1);
        // raw = sample·255/65535 on the 8-bit scale, then raw/255: exactly sample/65535, not rounded to 8 bits
        for (int i = 0; i < 12; i++) assertThat(x[i]).isCloseTo(samples[i] / 65535f, within(1e-6f));
        assertThat(x[2]).isNotCloseTo(128 / 255f, within(1e-3f));
    }

    @Test
    void shouldDropTheAlphaChannelWhenEveryPixelIsOpaque() throws IOException {
        BufferedImage grayAlpha = grayAlpha(3, 4);
        for (int i = 0; i < 12; i++) grayAlpha.getRaster().setPixel(i % 3, i / 3, new int[] {20 * i, 255});
        float[] x = gray.decode(PixelFormat.PNG, encode(grayAlpha, "png"), 3, 4, 1);
        for (int i = 0; i < 12; i++) assertThat(x[i]).isCloseTo(20 * i / 255f, within(1e-6f));

        BufferedImage rgba = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        rgba.setRGB(0, 0, 0xff_ff0000);
        rgba.setRGB(1, 0, 0xff_00ff00);
        rgba.setRGB(0, 1, 0xff_0000ff);
        rgba.setRGB(1, 1, 0xff_808080);
        float[] c = rgb.decode(PixelFormat.PNG, encode(rgba, "png"), 2, 2, 3);
        float half = 128 * 2 / 255f - 1;
        assertThat(c).containsExactly(new float[] {1, -1, -1, -1, 1, -1, -1, -1, 1, half, half, half}, within(1e-6f));
    }

    @Test
    void shouldRefuseTheImageWhenAPixelIsTranslucent() throws IOException {
        BufferedImage grayAlpha = grayAlpha(3, 4);
        for (int i = 0; i < 12; i++) grayAlpha.getRaster().setPixel(i % 3, i / 3, new int[] {100, i == 7 ? 254 : 255});
        assertThatThrownBy(() -> gray.decode(PixelFormat.PNG, encode(grayAlpha, "png"), 3, 4, 1))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("translucent pixel at x=1, y=2")
                .satisfies(e -> assertThat(((InvalidImageException) e).kind()).isEqualTo(RejectionKind.WRONG_CHANNELS));

        BufferedImage rgba = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        rgba.setRGB(1, 1, 0x00_ffffff);
        kind(() -> rgb.decode(PixelFormat.PNG, encode(rgba, "png"), 2, 2, 3), RejectionKind.WRONG_CHANNELS);
    }

    @Test
    void shouldNeverConvertChannelsWhenTheFileIsGrayAndTheModelRgbOrTheReverse() throws IOException {
        kind(
                () -> rgb.decode(
                        PixelFormat.PNG, encode(new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY), "png"), 2, 2, 3),
                RejectionKind.WRONG_CHANNELS);
        kind(
                () -> rgb.decode(
                        PixelFormat.JPEG,
                        encode(new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY), "jpeg"),
                        2,
                        2,
                        3),
                RejectionKind.WRONG_CHANNELS);
        kind(
                () -> gray.decode(
                        PixelFormat.JPEG, encode(new BufferedImage(3, 4, BufferedImage.TYPE_INT_RGB), "jpeg"), 3, 4, 1),
                RejectionKind.WRONG_CHANNELS);
        // a colour palette is colour, whatever pixels it uses
        BufferedImage indexed = new BufferedImage(3, 4, BufferedImage.TYPE_BYTE_INDEXED);
        kind(() -> gray.decode(PixelFormat.PNG, encode(indexed, "png"), 3, 4, 1), RejectionKind.WRONG_CHANNELS);
    }

    @Test
    void shouldReadPaletteValuesNotIndicesWhenPngIsPalettedOrBelowEightBits() throws IOException {
        byte[] levels = new byte[16];
        for (int p = 0; p < 16; p++) levels[p] = (byte) (255 - 17 * p); // index p is gray 255 − 17p
        IndexColorModel grayPalette = new IndexColorModel(4, 16, levels, levels, levels);
        BufferedImage indexed = new BufferedImage(3, 4, BufferedImage.TYPE_BYTE_BINARY, grayPalette);
        for (int i = 0; i < 12; i++) indexed.getRaster().setSample(i % 3, i / 3, 0, i);
        float[] x = gray.decode(PixelFormat.PNG, encode(indexed, "png"), 3, 4, 1);
        for (int i = 0; i < 12; i++) assertThat(x[i]).isCloseTo((255 - 17 * i) / 255f, within(1e-6f));

        BufferedImage binary = new BufferedImage(3, 4, BufferedImage.TYPE_BYTE_BINARY);
        binary.getRaster().setSample(2, 1, 0, 1);
        float[] b = gray.decode(PixelFormat.PNG, encode(binary, "png"), 3, 4, 1);
        float[] expected = new float[12];
        expected[5] = 1;
        assertThat(b).containsExactly(expected, within(1e-6f));

        BufferedImage colour = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_INDEXED);
        colour.setRGB(0, 0, 0xff0000);
        colour.setRGB(1, 1, 0xffffff);
        float[] c = rgb.decode(PixelFormat.PNG, encode(colour, "png"), 2, 2, 3);
        assertThat(c).containsExactly(new float[] {1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 1, 1}, within(1e-6f));
    }

    @Test
    void shouldRefuseRawFloatsOutsideTheInputRangeWhenBeyondTheTolerance() {
        float[] values = new float[12];
        values[4] = 1e30f;
        kind(() -> gray.decode(PixelFormat.RAW_F32, f32(values), 3, 4, 1), RejectionKind.OUT_OF_RANGE);
        values[4] = -0.5f;
        assertThatThrownBy(() -> gray.decode(PixelFormat.RAW_F32, f32(values), 3, 4, 1))
                .hasMessageContaining("value 4 is -0.5")
                .hasMessageContaining("[0.0, 1.0]");
        values[4] = 1 + 2e-5f;
        kind(() -> gray.decode(PixelFormat.RAW_F32, f32(values), 3, 4, 1), RejectionKind.OUT_OF_RANGE);
        values[4] = Float.NEGATIVE_INFINITY;
        kind(() -> gray.decode(PixelFormat.RAW_F32, f32(values), 3, 4, 1), RejectionKind.NON_FINITE);

        // within 1e-5·(max − min) of a bound: float rounding, set to the bound
        values[4] = 1 + 5e-6f;
        values[5] = -5e-6f;
        values[6] = 0.25f;
        float[] x = gray.decode(PixelFormat.RAW_F32, f32(values), 3, 4, 1);
        assertThat(x[4]).isEqualTo(1f);
        assertThat(x[5]).isEqualTo(0f);
        assertThat(x[6]).isEqualTo(0.25f);

        // the tolerance scales with the range: [−1, 1] allows 2e-5
        float[] colour = new float[12];
        colour[0] = -1 - 1.5e-5f;
        assertThat(rgb.decode(PixelFormat.RAW_F32, f32(colour), 2, 2, 3)[0]).isEqualTo(-1f);
        colour[0] = -1.5f;
        kind(() -> rgb.decode(PixelFormat.RAW_F32, f32(colour), 2, 2, 3), RejectionKind.OUT_OF_RANGE);
        kind(() -> rgb.decode(PixelFormat.RAW_F32, new byte[44], 2, 2, 3), RejectionKind.WRONG_SHAPE);
        kind(() -> rgb.decode(PixelFormat.RAW_F32, new byte[12], 2, 2, 3), RejectionKind.WRONG_SHAPE);
    }

    @Test
    void shouldParseEncodingNamesAndRefuseOthersWhenGivenAsText() {
        byte[] raw = new byte[12];
        raw[0] = (byte) 255;
        assertThat(gray.decode("raw_u8", raw, 3, 4, 1)[0]).isEqualTo(1f);
        kind(() -> gray.decode("BMP", raw, 3, 4, 1), RejectionKind.UNSUPPORTED_ENCODING);
        kind(() -> gray.decode((String) null, raw, 3, 4, 1), RejectionKind.UNSUPPORTED_ENCODING);
        // the byte limit comes first, whatever the encoding
        kind(() -> gray.decode("BMP", new byte[1 << 17], 3, 4, 1), RejectionKind.OVERSIZE);
    }

    @Test
    void shouldRefuseAPngWhoseHeaderDiffersFromTheDeclaredShapeWhenTheDeclarationMatchesTheModel() throws IOException {
        byte[] wide = encode(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY), "png");
        assertThatThrownBy(() -> gray.decode(PixelFormat.PNG, wide, 3, 4, 1))
                .hasMessageContaining("header says 4×4")
                .satisfies(e -> assertThat(((InvalidImageException) e).kind()).isEqualTo(RejectionKind.WRONG_SHAPE));
        byte[] jpeg = encode(new BufferedImage(3, 5, BufferedImage.TYPE_BYTE_GRAY), "jpeg");
        kind(() -> gray.decode(PixelFormat.JPEG, jpeg, 3, 4, 1), RejectionKind.WRONG_SHAPE);
    }

    @Test
    void shouldAcceptOrRejectWithAKindAndNothingElseWhenBytesAreRandomOrMutated() throws IOException {
        Random random = new Random(1);
        byte[] header = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10};
        BufferedImage image = new BufferedImage(3, 4, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 12; i++) image.getRaster().setSample(i % 3, i / 3, 0, random.nextInt(256));
        byte[] png = encode(image, "png");
        byte[] jpeg = encode(image, "jpeg");
        int accepted = 0;
        int acceptedCompressed = 0;
        Map<RejectionKind, Integer> rejected = new EnumMap<>(RejectionKind.class);
        int calls = 0;
        for (int i = 0; i < 300; i++) {
            // random lengths, the two valid raw lengths, and one-byte mutations of a valid PNG and JPEG
            byte[] bytes = switch (i % 5) {
                case 0 -> new byte[12];
                case 1 -> new byte[48];
                default -> new byte[random.nextInt(200)];
            };
            random.nextBytes(bytes);
            if (i % 5 == 1) {
                ByteBuffer floats = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
                for (int v = 0; v < 12; v++) floats.putFloat(4 * v, i % 10 == 1 ? random.nextFloat() : 1e3f);
            }
            if (i % 5 == 2 && bytes.length > 8) System.arraycopy(header, 0, bytes, 0, 8);
            if (i % 5 == 3) bytes = mutate(png, random);
            if (i % 5 == 4) bytes = mutate(jpeg, random);
            for (PixelFormat format : PixelFormat.values()) {
                calls++;
                float[] x;
                try {
                    x = gray.decode(format, bytes, 3, 4, 1);
                } catch (InvalidImageException e) {
                    assertThat(e.kind()).isNotNull();
                    assertThat(e.getMessage()).isNotBlank();
                    rejected.merge(e.kind(), 1, Integer::sum);
                    continue;
                }
                accepted++;
                assertThat(x).hasSize(12);
                for (float v : x) assertThat(v).isBetween(0f, 1f);
                if (format == PixelFormat.RAW_U8) {
                    for (int v = 0; v < 12; v++) assertThat(x[v]).isCloseTo((bytes[v] & 0xff) / 255f, within(1e-6f));
                }
                if (format == PixelFormat.PNG || format == PixelFormat.JPEG) acceptedCompressed++;
            }
        }
        int rejectedCount =
                rejected.values().stream().mapToInt(Integer::intValue).sum();
        System.out.printf(
                "random/mutated images: %d decodes, %d accepted (%d PNG/JPEG), rejected by kind %s%n",
                calls, accepted, acceptedCompressed, rejected);
        assertThat(accepted + rejectedCount).isEqualTo(calls);
        // 60 valid RAW_U8, 30 valid RAW_F32, and some mutated files that still decode
        assertThat(accepted).isGreaterThanOrEqualTo(90);
        assertThat(acceptedCompressed).isPositive();
        assertThat(rejected)
                .containsKeys(RejectionKind.WRONG_SHAPE, RejectionKind.UNDECODABLE, RejectionKind.OUT_OF_RANGE);
    }

    private static byte[] mutate(byte[] valid, Random random) {
        byte[] bytes = valid.clone();
        switch (random.nextInt(3)) {
            case 0 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
            case 1 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
            default -> bytes[8 + random.nextInt(bytes.length - 8)] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    static void kind(ThrowingCallable call, RejectionKind kind) {
        assertThatThrownBy(call)
                .isInstanceOf(InvalidImageException.class)
                .satisfies(e -> assertThat(((InvalidImageException) e).kind()).isEqualTo(kind));
    }

    static BufferedImage grayAlpha(int width, int height) {
        ComponentColorModel model = new ComponentColorModel(
                ColorSpace.getInstance(ColorSpace.CS_GRAY),
                true,
                false,
                Transparency.TRANSLUCENT,
                DataBuffer.TYPE_BYTE);
        return new BufferedImage(model, model.createCompatibleWritableRaster(width, height), false, null);
    }

    static byte[] f32(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) buffer.putFloat(v);
        return buffer.array();
    }

    static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }
}
