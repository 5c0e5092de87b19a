package io.otnn.ingest.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFilesTest {

    @TempDir
    Path dir;

    @Test
    void shouldReadSizeFromTheHeaderWithoutDecodingPixelsWhenAPngDeclaresAHugeImage() throws IOException {
        Path warmUp = dir.resolve("small.png");
        Files.write(warmUp, grayPng(4, 4));
        assertThat(ImageFiles.read(warmUp, "small", "test", null).width()).isEqualTo(4);

        Path bomb = dir.resolve("bomb.png");
        Files.write(bomb, grayPng(30_000, 30_000)); // about 870 KB, 900 MB of pixels
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        SourceImage image = ImageFiles.read(bomb, "bomb", "test", null);
        long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;

        System.out.printf(
                "ingest: %d-byte PNG declaring 30000×30000 read after %d bytes allocated%n",
                Files.size(bomb), allocated);
        assertThat(image.width()).isEqualTo(30_000);
        assertThat(image.height()).isEqualTo(30_000);
        assertThat(image.channels()).isEqualTo(1);
        // the file's bytes (read whole: they are sent as they are) and the header, not 900 MB of pixels
        assertThat(allocated).isLessThan(Files.size(bomb) * 3 + (4 << 20));
    }

    /** An 8-bit gray PNG of zeros, deflated row by row. */
    private static byte[] grayPng(int width, int height) throws IOException {
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        byte[] row = new byte[width + 1];
        byte[] buffer = new byte[1 << 16];
        for (int y = 0; y < height; y++) {
            deflater.setInput(row);
            while (!deflater.needsInput()) {
                idat.write(buffer, 0, deflater.deflate(buffer));
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            idat.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(png);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        chunk(
                out,
                "IHDR",
                ByteBuffer.allocate(13)
                        .putInt(width)
                        .putInt(height)
                        .put((byte) 8)
                        .array());
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return png.toByteArray();
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
