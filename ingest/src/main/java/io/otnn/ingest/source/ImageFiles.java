package io.otnn.ingest.source;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Reads one PNG or JPEG file as it is (its bytes are sent unchanged; the explainer decodes them). Only the header is
 * read, for the size and channels: no pixel is decoded here, so a small file declaring a huge image costs nothing.
 */
final class ImageFiles {

    private ImageFiles() {}

    static boolean isImage(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg");
    }

    /** @throws IOException with a one-line reason when the file cannot be read or decoded */
    static SourceImage read(Path file, String id, String source, Integer label) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String encoding =
                name.endsWith(".png") ? "PNG" : name.endsWith(".jpg") || name.endsWith(".jpeg") ? "JPEG" : null;
        if (encoding == null) {
            throw new IOException("not a PNG or JPEG file");
        }
        byte[] bytes = Files.readAllBytes(file);
        int width;
        int height;
        int bands;
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(encoding.toLowerCase(Locale.ROOT));
        ImageReader reader = readers.next();
        try (ImageInputStream stream = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            if (!reader.getOriginatingProvider().canDecodeInput(stream)) {
                throw new IOException("not a readable " + encoding);
            }
            reader.setInput(stream, true, true);
            width = reader.getWidth(0);
            height = reader.getHeight(0);
            ImageTypeSpecifier type = reader.getImageTypes(0).next();
            bands = type.getNumBands();
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot decode: " + e.getMessage());
        } finally {
            reader.dispose();
        }
        int channels = bands >= 3 ? 3 : 1;
        return new SourceImage(id, source, width, height, channels, encoding, bytes, label);
    }
}
