package io.otnn.explain.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.Adler32;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class CompactTensorTest {

    @Test
    void shouldRoundTripWithinHalfAQuantisationStepWhenValuesAreRandom() {
        Random random = new Random(3);
        float[] values = new float[224 * 224 * 3];
        for (int i = 0; i < values.length; i++) values[i] = (float) (random.nextGaussian() * 0.01 - 0.003);
        CompactTensor encoded = CompactTensor.encode(values, 224, 224, 3);
        float[] decoded = encoded.decode();

        assertThat(decoded).hasSize(values.length);
        double step = encoded.scale() / 255;
        for (int i = 0; i < values.length; i++) {
            assertThat((double) decoded[i]).isCloseTo(values[i], within(step / 2 + 1e-9));
        }
        assertThat(encoded.png().length).isLessThan(1_000_000 / 4); // well under Kafka's default 1 MB message
    }

    @Test
    void shouldReproduceExtremesExactlyAndFollowTheAvroRule() {
        float[] values = {-2f, 0f, 1f, 3f};
        CompactTensor encoded = CompactTensor.encode(values, 2, 2, 1);
        assertThat(encoded.offset()).isEqualTo(-2.0);
        assertThat(encoded.scale()).isEqualTo(5.0);
        float[] decoded = encoded.decode();
        assertThat(decoded[0]).isEqualTo(-2f);
        assertThat(decoded[3]).isEqualTo(3f);
        // value = offset + scale · byte / 255, byte = round((v − offset) / scale · 255) = round(102) for v = 0
        assertThat(decoded[1]).isCloseTo((float) (-2 + 5.0 * 102 / 255), within(1e-6f));
    }

    @Test
    void shouldDecodeConstantTensorsAndOddShapes() {
        assertThat(CompactTensor.encode(new float[] {0.7f, 0.7f, 0.7f}, 3).decode())
                .containsExactly(0.7f, 0.7f, 0.7f);
        float[] five = {1, 2, 3, 4, 5};
        assertThat(CompactTensor.encode(five, 5).decode()).containsExactly(five, within(4f / 510 + 1e-6f));
    }

    @Test
    void shouldRefuseNonFiniteValuesOrShapeMismatch() {
        assertThatThrownBy(() -> CompactTensor.encode(new float[] {Float.NaN}, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CompactTensor.encode(new float[3], 2, 2)).isInstanceOf(IllegalArgumentException.class);
        CompactTensor wrong =
                new CompactTensor(CompactTensor.encode(new float[4], 2, 2).png(), new int[] {4, 1}, 1, 0);
        assertThatThrownBy(wrong::decode).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldQuantiseAsMathRoundWhenValuesAreAtOrNearHalfSteps() {
        Random random = new Random(11);
        for (int k = 0; k <= 255; k++) {
            for (double centre : new double[] {k, k + 0.5}) {
                double below = centre;
                double above = centre;
                for (int ulps = 0; ulps < 8; ulps++) {
                    assertThat(CompactTensor.quantise(below)).as("%s", below).isEqualTo(Math.round(below));
                    assertThat(CompactTensor.quantise(above)).as("%s", above).isEqualTo(Math.round(above));
                    below = Math.max(0, Math.nextDown(below));
                    above = Math.nextUp(above);
                }
            }
        }
        // the doubles just under 0.5, where x + 0.5 rounds up to 1
        for (double x : new double[] {0.49999999999999994, 0.5 - 0x1p-54, 0.5 - 0x1p-55, Double.MIN_VALUE, 0.0}) {
            assertThat(CompactTensor.quantise(x)).as("%s", x).isEqualTo(Math.round(x));
        }
        for (int i = 0; i < 1_000_000; i++) {
            double x = random.nextDouble() * 255;
            assertThat(CompactTensor.quantise(x)).isEqualTo(Math.round(x));
        }
    }

    @Test
    void shouldWriteTheFormerWritersBytesWhenMapsAreStoredOrDeflated() {
        Random random = new Random(5);
        int[][] shapes = {{28, 28, 1}, {5}, {3, 1}, {1, 1, 1}, {28, 28, 3}, {100, 100, 3}, {224, 224, 3}, {300, 70}};
        for (int[] shape : shapes) {
            int size = 1;
            for (int d : shape) size *= d;
            for (int trial = 0; trial < 3; trial++) {
                float[] values = new float[size];
                for (int i = 0; i < size; i++) {
                    // a smooth map (compresses) on the first trial, noise on the others
                    values[i] = trial == 0 ? (float) Math.sin(i * 0.01) : (float) (random.nextGaussian() * 0.3);
                }
                CompactTensor encoded = CompactTensor.encode(values, shape);
                FormerEncoding former = FormerEncoding.of(values, shape);
                assertThat(encoded.png())
                        .as("shape %s", java.util.Arrays.toString(shape))
                        .isEqualTo(former.png);
                assertThat(encoded.scale()).isEqualTo(former.scale);
                assertThat(encoded.offset()).isEqualTo(former.offset);
            }
        }
    }

    @Test
    void shouldDecodeWithImageIoToTheNearestBytesWhenMapsAreStoredOrDeflated() throws IOException {
        Random random = new Random(8);
        for (int[] shape : new int[][] {{28, 28, 1}, {120, 120, 2}}) {
            int size = shape[0] * shape[1] * shape[2];
            float[] values = new float[size];
            for (int i = 0; i < size; i++) values[i] = (float) (random.nextDouble() * 4 - 1);
            CompactTensor encoded = CompactTensor.encode(values, shape);
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(encoded.png()));
            int[] samples = image.getRaster().getSamples(0, 0, shape[1] * shape[2], shape[0], 0, (int[]) null);
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (float v : values) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            for (int i = 0; i < size; i++) {
                // the nearest byte: within half a step of the exact position (a tie may go either way)
                assertThat((double) samples[i]).isCloseTo((values[i] - min) / (max - min) * 255, within(0.5 + 1e-9));
            }
        }
    }

    /** The encoder as it was before it was written for speed: Math.round, and ByteArrayOutputStream chunks. */
    private record FormerEncoding(byte[] png, double scale, double offset) {

        static FormerEncoding of(float[] values, int... shape) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (float v : values) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            double scale = max - min;
            int height = shape.length >= 2 ? shape[0] : 1;
            int width = values.length / height;
            byte[] pixels = new byte[values.length];
            double toByte = scale == 0 ? 0 : 255.0 / scale;
            for (int i = 0; i < values.length; i++) pixels[i] = (byte) Math.round((values[i] - min) * toByte);
            return new FormerEncoding(write(pixels, width, height), scale, min);
        }

        static byte[] write(byte[] pixels, int width, int height) {
            byte[] filtered = new byte[height * (width + 1)];
            for (int y = 0; y < height; y++) {
                int row = y * (width + 1);
                filtered[row] = 1;
                int prev = 0;
                for (int x = 0; x < width; x++) {
                    int v = pixels[y * width + x] & 0xff;
                    filtered[row + 1 + x] = (byte) (v - prev);
                    prev = v;
                }
            }
            byte[] idat = filtered.length <= GrayPng.STORED_LIMIT ? stored(filtered) : deflated(filtered);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
            ByteBuffer header = ByteBuffer.allocate(13);
            header.putInt(width)
                    .putInt(height)
                    .put((byte) 8)
                    .put((byte) 0)
                    .put((byte) 0)
                    .put((byte) 0)
                    .put((byte) 0);
            chunk(out, "IHDR", header.array());
            chunk(out, "IDAT", idat);
            chunk(out, "IEND", new byte[0]);
            return out.toByteArray();
        }

        static byte[] stored(byte[] data) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0x78);
            out.write(0x01);
            int offset = 0;
            do {
                int length = Math.min(65535, data.length - offset);
                out.write(offset + length == data.length ? 1 : 0);
                out.write(length & 0xff);
                out.write(length >>> 8);
                out.write(~length & 0xff);
                out.write((~length >>> 8) & 0xff);
                out.write(data, offset, length);
                offset += length;
            } while (offset < data.length);
            Adler32 adler = new Adler32();
            adler.update(data);
            out.writeBytes(ByteBuffer.allocate(4).putInt((int) adler.getValue()).array());
            return out.toByteArray();
        }

        static byte[] deflated(byte[] data) {
            Deflater deflater = new Deflater(Deflater.BEST_SPEED);
            deflater.setInput(data);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            while (!deflater.finished()) out.write(buffer, 0, deflater.deflate(buffer));
            deflater.end();
            return out.toByteArray();
        }

        static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
            byte[] name = type.getBytes(StandardCharsets.US_ASCII);
            out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
            out.writeBytes(name);
            out.writeBytes(data);
            CRC32 crc = new CRC32();
            crc.update(name);
            crc.update(data);
            out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        }
    }
}
