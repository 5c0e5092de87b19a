package io.otnn.explain.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.testing.PngFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Small files that declare huge images: the decoder reads the header, refuses them, and allocates next to nothing
 * (measured with the current thread's allocation counter).
 */
class DecompressionBombTest {

    private static final int SIDE = 30_000;
    private static final long ALLOCATION_LIMIT = 16L << 20;

    private static final ImageDecoder decoder =
            new ImageDecoder(ModelMetadata.Input.unitRange(28, 28, 1), ImageDecoder.DEFAULT_MAX_BYTES);
    private static final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @BeforeAll
    static void warmUp() throws IOException {
        // the first use of ImageIO loads its registry and classes; not what is measured
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), "png", png);
        decoder.decode(PixelFormat.PNG, png.toByteArray(), 28, 28, 1);
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), "jpeg", jpeg);
        decoder.decode(PixelFormat.JPEG, jpeg.toByteArray(), 28, 28, 1);
        assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
        threads.setThreadAllocatedMemoryEnabled(true);
    }

    @Test
    void shouldRefuseWithoutAllocatingItsPixelsWhenAPngDeclaresThirtyThousandSquaredPixels() throws Exception {
        byte[] bomb = PngFiles.zeros(SIDE, SIDE);
        // it is a bomb: a valid header, and its image data inflate to 900 MB
        assertThat(bomb.length).isLessThan(1 << 20);
        assertThat(headerSize(bomb, "png")).isEqualTo((long) SIDE * SIDE);
        assertThat(inflatedSize(bomb)).isEqualTo((long) SIDE * (SIDE + 1));

        long allocated = allocatedWhileRefusing(bomb, PixelFormat.PNG);
        System.out.printf(
                "PNG bomb: %d bytes declaring %d×%d (%d pixels): refused after %d bytes allocated%n",
                bomb.length, SIDE, SIDE, (long) SIDE * SIDE, allocated);
        assertThat(allocated).isLessThan(ALLOCATION_LIMIT).isLessThan((long) SIDE * SIDE / 50);
    }

    @Test
    void shouldRefuseWithoutAllocatingItsPixelsWhenAJpegHeaderDeclaresSixtyThousandSquaredPixels() throws Exception {
        ByteArrayOutputStream small = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY), "jpeg", small);
        byte[] bomb = small.toByteArray();
        int sof = sof0(bomb);
        ByteBuffer.wrap(bomb).putShort(sof + 5, (short) 60_000).putShort(sof + 7, (short) 60_000);
        assertThat(headerSize(bomb, "jpeg")).isEqualTo(60_000L * 60_000L);

        long allocated = allocatedWhileRefusing(bomb, PixelFormat.JPEG);
        System.out.printf(
                "JPEG bomb: %d bytes declaring 60000×60000: refused after %d bytes allocated%n",
                bomb.length, allocated);
        assertThat(allocated).isLessThan(ALLOCATION_LIMIT);
    }

    private static long allocatedWhileRefusing(byte[] bomb, PixelFormat format) {
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        InvalidImageException refused = null;
        try {
            decoder.decode(format, bomb, 28, 28, 1); // the producer lies about the size
        } catch (InvalidImageException e) {
            refused = e;
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertThat(refused).isNotNull();
        assertThat(refused.kind()).isEqualTo(RejectionKind.OVERSIZE);
        assertThat(refused.getMessage()).contains("header says");
        assertThatThrownBy(() -> decoder.decode(format, bomb, 28, 28, 1)).isInstanceOf(InvalidImageException.class);
        return allocated;
    }

    /** What the IDAT of {@link PngFiles#zeros} inflates to, counted through a small buffer. */
    private static long inflatedSize(byte[] png) throws DataFormatException {
        int idat = 8 + 12 + 13;
        int length = ByteBuffer.wrap(png).getInt(idat);
        Inflater inflater = new Inflater();
        inflater.setInput(png, idat + 8, length);
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        while (!inflater.finished()) total += inflater.inflate(buffer);
        inflater.end();
        return total;
    }

    /** Width × height as ImageIO reads them from the header alone. */
    private static long headerSize(byte[] bytes, String format) throws IOException {
        ImageReader reader = ImageIO.getImageReadersByFormatName(format).next();
        try (ImageInputStream stream = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(stream);
            return (long) reader.getWidth(0) * reader.getHeight(0);
        } finally {
            reader.dispose();
        }
    }

    /** Offset of the SOF0 marker (FF C0): length (2 bytes), precision (1), then height and width. */
    private static int sof0(byte[] jpeg) {
        for (int i = 2; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xff) == 0xff && (jpeg[i + 1] & 0xff) == 0xc0) return i;
        }
        throw new AssertionError("no SOF0 marker");
    }
}
