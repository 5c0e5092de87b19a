package io.otnn.explain.render;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.CounterfactualStep;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The labelled explanation panel an auditor reads, as one PNG: the image with its class, label and certificate; the
 * saliency with its colour bar and scale; the saliency over the image; the counterfactual at each step factor t with
 * the class the model gives it; and the difference x_cf − x with a diverging colour bar. Where everything goes is
 * {@link PanelLayout}; the pictures are {@link Renderer}'s, enlarged with nearest neighbour. Text is drawn with Java2D
 * in the logical font "SansSerif" (works with {@code -Djava.awt.headless=true}, no font files of our own). Stateless
 * and thread-safe.
 */
public final class ExplanationPanel {

    public static final Color BACKGROUND = Color.WHITE;
    public static final Color TEXT = new Color(0x1a1a1a);
    public static final Color GOOD = new Color(0x1b7837);
    public static final Color BAD = new Color(0xb2182b);
    /** Weight of the heatmap in the overlay. */
    public static final double OVERLAY_ALPHA = 0.5;

    private static final Font PLAIN = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font BOLD = new Font(Font.SANS_SERIF, Font.BOLD, 13);
    private static final Font HEADING = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    /** ASCII stand-ins for the few symbols we draw, for a JDK whose fonts lack them. */
    private static final Map<Character, String> FALLBACK =
            Map.of('−', "-", '∇', "grad ", '‖', "|", '✓', "(ok)", '✗', "(no)", '·', "-", '…', "...", '→', "->");

    private final ModelMetadata.Input input;
    private final List<String> classNames;
    private final Renderer renderer;

    public ExplanationPanel(ModelMetadata.Input input, List<String> classNames) {
        this.input = input;
        this.classNames = List.copyOf(classNames);
        this.renderer = new Renderer(input);
    }

    public ExplanationPanel(ModelMetadata metadata) {
        this(metadata.input(), metadata.classNames());
    }

    /** The layout {@link #draw} uses for {@code content}. */
    public PanelLayout layout(PanelContent content) {
        return PanelLayout.of(input, content.counterfactuals().size(), content.heading() != null);
    }

    /** The panel as PNG bytes. */
    public byte[] png(PanelContent content) {
        return CompactTensor.Png.write(draw(content));
    }

    public BufferedImage draw(PanelContent c) {
        if (c.image().length != input.size()) {
            throw new IllegalArgumentException("the image has " + c.image().length + " values, the model's input "
                    + input.shape() + " = " + input.size());
        }
        PanelLayout layout = layout(c);
        BufferedImage out = new BufferedImage(layout.width(), layout.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, layout.width(), layout.height());
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            if (layout.heading() != null) {
                PanelLayout.Box h = layout.heading();
                line(g, h.x(), h.y(), h.height(), h.width(), HEADING, TEXT, c.heading());
            }

            PanelLayout.Tile image = layout.image();
            picture(g, image, renderer.toImage(c.image()));
            String[] imageTitle = {
                "Image",
                "predicted " + name(c.predicted()),
                "label unknown",
                String.format(Locale.ROOT, "certified L2 radius %s", figure(c.radius()))
            };
            Color labelColour = TEXT;
            if (c.label() != null) {
                boolean right = c.label() == c.predicted();
                imageTitle[2] = "label " + name(c.label()) + (right ? " ✓" : " ✗");
                labelColour = right ? GOOD : BAD;
            }
            title(g, image, imageTitle, labelColour);

            double max = renderer.heatmapMax(c.saliency());
            PanelLayout.Tile saliency = layout.saliency();
            picture(g, saliency, renderer.heatmapImage(c.saliency()));
            title(
                    g,
                    saliency,
                    new String[] {"Saliency |∇f|", "gradient of " + name(c.predicted()), "scaled to its max", null},
                    TEXT);
            bar(g, saliency, Colormap.VIRIDIS, "0", null, figure(max));

            PanelLayout.Tile overlay = layout.overlay();
            picture(g, overlay, renderer.overlayImage(c.image(), c.saliency(), OVERLAY_ALPHA));
            title(
                    g,
                    overlay,
                    new String[] {
                        "Overlay",
                        "saliency over the image",
                        String.format(Locale.ROOT, "heatmap weight %.1f", OVERLAY_ALPHA),
                        null
                    },
                    TEXT);

            for (int i = 0; i < c.counterfactuals().size(); i++) {
                CounterfactualStep step = c.counterfactuals().get(i);
                PanelLayout.Tile tile = layout.counterfactual(i);
                picture(g, tile, renderer.toImage(step.image()));
                boolean reached = step.predictedClass() == c.target();
                // up to t = 1 (x_δ, on the boundary, where the class is a near tie) j is not expected yet
                boolean expected = step.t() > 1;
                String verdict = expected
                        ? "target " + name(c.target()) + (reached ? " ✓" : " ✗")
                        : (step.t() == 1 ? "on the boundary to " : "short of ") + name(c.target());
                title(
                        g,
                        tile,
                        new String[] {
                            (step.t() == 1 ? "Boundary point t = " : "Counterfactual t = ") + figure(step.t()),
                            "model says " + name(step.predictedClass()),
                            verdict,
                            "L2 distance " + figure(step.distance())
                        },
                        !expected ? TEXT : reached ? GOOD : BAD);
            }

            float[] difference = new float[c.image().length];
            for (int p = 0; p < difference.length; p++)
                difference[p] = c.explained().image()[p] - c.image()[p];
            double range = renderer.divergingMax(difference);
            PanelLayout.Tile diff = layout.difference();
            picture(g, diff, renderer.divergingImage(difference));
            title(
                    g,
                    diff,
                    new String[] {
                        "Difference x_cf − x",
                        "at t = " + figure(c.explained().t()) + ", toward " + name(c.target()),
                        "blue: darker, red: brighter",
                        null
                    },
                    TEXT);
            bar(g, diff, Colormap.RD_BU, "−" + figure(range), "0", "+" + figure(range));
        } finally {
            g.dispose();
        }
        return out;
    }

    /** "Sandal (5)", or just the index when the model has no name for it. */
    private String name(int k) {
        String name = k >= 0 && k < classNames.size() ? classNames.get(k) : null;
        return name == null || name.equals(Integer.toString(k)) ? Integer.toString(k) : name + " (" + k + ")";
    }

    /** Three significant figures, plain between 0.01 and 10,000, else in scientific notation. */
    static String figure(double v) {
        if (v == 0) return "0";
        if (!Double.isFinite(v)) return Double.toString(v);
        double a = Math.abs(v);
        if (a >= 0.01 && a < 10_000) {
            return new BigDecimal(v)
                    .round(new MathContext(3))
                    .stripTrailingZeros()
                    .toPlainString();
        }
        return String.format(Locale.ROOT, "%.2e", v);
    }

    private static void picture(Graphics2D g, PanelLayout.Tile tile, BufferedImage small) {
        PanelLayout.Box p = tile.picture();
        g.drawImage(small, p.x(), p.y(), p.width(), p.height(), null);
    }

    /** The first line in bold, the third in {@code thirdColour}; null lines stay empty. */
    private static void title(Graphics2D g, PanelLayout.Tile tile, String[] lines, Color thirdColour) {
        for (int i = 0; i < lines.length && i < PanelLayout.TITLE_LINES; i++) {
            if (lines[i] == null) continue;
            PanelLayout.Box t = tile.title();
            line(
                    g,
                    t.x(),
                    t.y() + i * PanelLayout.LINE_HEIGHT,
                    PanelLayout.LINE_HEIGHT,
                    t.width(),
                    i == 0 ? BOLD : PLAIN,
                    i == 2 ? thirdColour : TEXT,
                    lines[i]);
        }
    }

    /** One line of text, left-aligned and vertically centred in a band, cut with an ellipsis when it does not fit. */
    private static void line(
            Graphics2D g, int x, int top, int height, int width, Font font, Color colour, String text) {
        g.setFont(font);
        g.setColor(colour);
        FontMetrics m = g.getFontMetrics();
        g.drawString(fit(m, displayable(font, text), width), x, top + (height + m.getAscent() - m.getDescent()) / 2);
    }

    /** A horizontal colour bar under the tile's picture, with figures at its ends (and its middle). */
    private static void bar(Graphics2D g, PanelLayout.Tile tile, Colormap map, String low, String middle, String high) {
        PanelLayout.Box bar = tile.bar();
        for (int i = 0; i < bar.width(); i++) {
            g.setColor(new Color(map.rgb(bar.width() == 1 ? 0 : i / (bar.width() - 1.0))));
            g.fillRect(bar.x() + i, bar.y(), 1, bar.height());
        }
        g.setFont(PLAIN);
        g.setColor(TEXT);
        FontMetrics m = g.getFontMetrics();
        PanelLayout.Box labels = tile.barLabels();
        int baseline = labels.y() + (labels.height() + m.getAscent() - m.getDescent()) / 2;
        String lo = displayable(PLAIN, low);
        String hi = displayable(PLAIN, high);
        g.drawString(lo, bar.x(), baseline);
        g.drawString(hi, bar.x() + bar.width() - m.stringWidth(hi), baseline);
        if (middle != null) {
            String mid = displayable(PLAIN, middle);
            g.drawString(mid, bar.x() + (bar.width() - m.stringWidth(mid)) / 2, baseline);
        }
    }

    private static String fit(FontMetrics m, String text, int width) {
        if (m.stringWidth(text) <= width) return text;
        String ellipsis = m.getFont().canDisplay('…') ? "…" : "...";
        int end = text.length();
        while (end > 0 && m.stringWidth(text.substring(0, end) + ellipsis) > width) end--;
        return text.substring(0, end) + ellipsis;
    }

    /** {@code text} with the symbols {@code font} cannot draw replaced by ASCII stand-ins. */
    static String displayable(Font font, String text) {
        if (font.canDisplayUpTo(text) == -1) return text;
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            out.append(font.canDisplay(ch) ? String.valueOf(ch) : FALLBACK.getOrDefault(ch, "?"));
        }
        return out.toString();
    }
}
