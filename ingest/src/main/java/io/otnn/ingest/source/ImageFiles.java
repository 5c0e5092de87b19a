package io.otnn.ingest.source;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import javax.imageio.ImageIO;

/** Reads one PNG or JPEG file as it is (its bytes are sent unchanged; the explainer decodes them). */
final class ImageFiles {

    private ImageFiles() {
    }

    static boolean isImage(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg");
    }

    /** @throws IOException with a one-line reason when the file cannot be read or decoded */
    static SourceImage read(Path file, String id, String source, Integer label) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String encoding = name.endsWith(".png") ? "PNG" : name.endsWith(".jpg") || name.endsWith(".jpeg") ? "JPEG"
                : null;
        if (encoding == null) {
            throw new IOException("not a PNG or JPEG file");
        }
        byte[] bytes = Files.readAllBytes(file);
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot decode: " + e.getMessage());
        }
        if (image == null) {
            throw new IOException("not a readable " + encoding);
        }
        int bands = image.getRaster().getNumBands();
        int channels = bands >= 3 ? 3 : 1;
        return new SourceImage(id, source, image.getWidth(), image.getHeight(), channels, encoding, bytes, label);
    }
}
