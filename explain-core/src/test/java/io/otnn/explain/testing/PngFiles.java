package io.otnn.explain.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** PNG files written byte by byte, for tests that need files ImageIO's writer would have to allocate first. */
public final class PngFiles {

    private PngFiles() {}

    /** A valid 8-bit gray PNG of zeros: its image data deflate 1,000:1 (30,000 × 30,000 is about 870 KB). */
    public static byte[] zeros(int width, int height) {
        return zeros(width, height, height);
    }

    /**
     * An 8-bit gray PNG whose header says {@code width × height} but whose image data hold only the first
     * {@code rows} rows of zeros: a small file that only a decoder reading the header first refuses cheaply.
     */
    public static byte[] zeros(int width, int height, int rows) {
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        byte[] row = new byte[width + 1]; // filter byte 0, then zeros
        byte[] buffer = new byte[1 << 16];
        for (int y = 0; y < rows; y++) {
            deflater.setInput(row);
            while (!deflater.needsInput()) idat.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.finish();
        while (!deflater.finished()) idat.write(buffer, 0, deflater.deflate(buffer));
        deflater.end();
        try {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(png);
            out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
            ByteBuffer ihdr = ByteBuffer.allocate(13)
                    .putInt(width)
                    .putInt(height)
                    .put((byte) 8)
                    .put((byte) 0)
                    .put((byte) 0)
                    .put((byte) 0)
                    .put((byte) 0);
            chunk(out, "IHDR", ihdr.array());
            chunk(out, "IDAT", idat.toByteArray());
            chunk(out, "IEND", new byte[0]);
            return png.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(name);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
