package io.otnn.reproduction.figures;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** What the figures share: antialiased Java2D on a white canvas, titles in SansSerif, PNG output. */
final class Drawing {

    static final Color TEXT = new Color(0x222222);

    private Drawing() {}

    static Graphics2D canvas(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        return g;
    }

    static Font font(int size, boolean bold) {
        return new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, size);
    }

    /** Draws {@code text} with its baseline at y, replacing symbols the font cannot draw by ASCII. */
    static void text(Graphics2D g, String text, int x, int y) {
        g.setColor(TEXT);
        g.drawString(displayable(g.getFont(), text), x, y);
    }

    static String displayable(Font font, String text) {
        if (font.canDisplayUpTo(text) == -1) return text;
        return text.replace("−", "-")
                .replace("∇", "grad ")
                .replace("δ", "d")
                .replace("→", "->")
                .replace("‖", "|")
                .replace("≈", "~")
                .replace("·", "*");
    }

    static void writePng(BufferedImage image, Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (!ImageIO.write(image, "png", file.toFile())) throw new IOException("no PNG writer");
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot write " + file + ": " + e.getMessage(), e));
        }
    }

    /** {@code rgb} blended toward white by {@code amount} in [0, 1]. */
    static int lighten(int rgb, double amount) {
        int r = (rgb >> 16) & 0xff, gr = (rgb >> 8) & 0xff, b = rgb & 0xff;
        r = (int) Math.round(r + (255 - r) * amount);
        gr = (int) Math.round(gr + (255 - gr) * amount);
        b = (int) Math.round(b + (255 - b) * amount);
        return (r << 16) | (gr << 8) | b;
    }
}
