package io.otnn.trainer.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A folder of PNG/JPEG images with one sub-folder per class (class names = sub-folder names, sorted). All images must
 * have the same size; they are read as grey (1 channel) when every image is grey, RGB (3 channels) otherwise, with
 * pixels / 255 in [0, 1]. Errors name the file.
 */
public final class ImageFolder {

    private ImageFolder() {}

    public static Dataset read(Path dir) {
        if (!Files.isDirectory(dir))
            throw new DataException(dir + ": no such directory (expected one sub-folder per class)");
        List<Path> classes;
        try (Stream<Path> s = Files.list(dir)) {
            classes = s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new DataException(dir + ": cannot list: " + e.getMessage(), e);
        }
        if (classes.size() < 2)
            throw new DataException(dir + ": needs at least 2 class sub-folders, found " + classes.size());
        List<BufferedImage> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            List<Path> entries;
            try (Stream<Path> s = Files.list(classes.get(c))) {
                entries = s.filter(Files::isRegularFile)
                        .filter(ImageFolder::isImage)
                        .sorted()
                        .toList();
            } catch (IOException e) {
                throw new DataException(classes.get(c) + ": cannot list: " + e.getMessage(), e);
            }
            if (entries.isEmpty())
                throw new DataException(classes.get(c) + ": no PNG or JPEG image in this class folder");
            for (Path f : entries) {
                BufferedImage img;
                try {
                    img = ImageIO.read(f.toFile());
                } catch (IOException e) {
                    throw new DataException(f + ": unreadable image: " + e.getMessage(), e);
                }
                if (img == null) throw new DataException(f + ": unreadable image (not a valid PNG or JPEG)");
                images.add(img);
                labels.add(c);
                files.add(f);
            }
        }
        int h = images.get(0).getHeight(), w = images.get(0).getWidth();
        boolean grey = true;
        for (int i = 0; i < images.size(); i++) {
            BufferedImage img = images.get(i);
            if (img.getHeight() != h || img.getWidth() != w) {
                throw new DataException(
                        files.get(i) + ": size " + img.getWidth() + "x" + img.getHeight() + " differs from " + w + "x"
                                + h + " of " + files.get(0) + " (all images must have the same size)");
            }
            grey &= img.getColorModel().getNumColorComponents() == 1;
        }
        int ch = grey ? 1 : 3;
        float[] x = new float[images.size() * h * w * ch];
        int k = 0;
        for (BufferedImage img : images) {
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    if (grey) {
                        x[k++] = (img.getRaster().getSample(c, r, 0) & 0xff) / 255f;
                    } else {
                        int rgb = img.getRGB(c, r);
                        x[k++] = ((rgb >> 16) & 0xff) / 255f;
                        x[k++] = ((rgb >> 8) & 0xff) / 255f;
                        x[k++] = (rgb & 0xff) / 255f;
                    }
                }
            }
        }
        List<String> names =
                classes.stream().map(p -> p.getFileName().toString()).toList();
        return new Dataset(x, labels.stream().mapToInt(Integer::intValue).toArray(), h, w, ch, names, false);
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }
}
