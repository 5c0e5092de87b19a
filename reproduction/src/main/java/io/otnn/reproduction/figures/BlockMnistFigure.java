package io.otnn.reproduction.figures;

import io.otnn.datasets.BlockMnist;
import io.otnn.explain.Explainer;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.RawOutputs;
import io.otnn.explain.render.Colormap;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The paper's Figure 7: BlockMNIST images (a 0 or 1 digit stacked with a null block) over the gradient |∇ₓ f| of the
 * binary OTNN, each map scaled to its own maximum (viridis). The null block carries no class information, so a
 * faithful gradient leaves it dark; {@link Result#nullBlockShare()} measures how much of |∇f| falls there.
 */
public final class BlockMnistFigure {

    public static final int SCALE = 4;
    public static final int GAP = 8;
    public static final int HEADER = 30;
    public static final int CAPTION = 34;

    /**
     * @param images         the images drawn
     * @param nullBlockShare mean over the drawn images of Σ_{null block} |∇f| / Σ |∇f|
     * @param accuracy       share of the drawn images the model classifies correctly
     */
    public record Result(int images, double nullBlockShare, double accuracy) {}

    private BlockMnistFigure() {}

    /** Draws the first {@code count} images of {@code block} and their gradients into {@code png}. */
    public static Result draw(Path checkpoint, BlockMnist block, int count, Path png) {
        int n = Math.min(count, block.images().length);
        if (n == 0) throw new IllegalArgumentException("no BlockMNIST image to draw");
        int d = BlockMnist.HEIGHT * BlockMnist.WIDTH;
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) System.arraycopy(block.images()[i], 0, x, i * d, d);
        RawOutputs raw;
        try (OtnnModel model = OtnnModel.load(checkpoint);
                Explainer explainer = model.newExplainer()) {
            raw = explainer.explainRaw(x, n);
        }
        int tileW = BlockMnist.WIDTH * SCALE, tileH = BlockMnist.HEIGHT * SCALE;
        int width = GAP + n * (tileW + GAP);
        int height = HEADER + 2 * (CAPTION + tileH) + GAP;
        BufferedImage image = new BufferedImage(Math.max(width, 640), height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Drawing.canvas(image);
        double share = 0;
        int correct = 0;
        for (int i = 0; i < n; i++) {
            float f = raw.logits()[i];
            int predicted = f > 0 ? 1 : 0;
            if (predicted == block.labels()[i]) correct++;
            double max = 1e-12, total = 0, inNull = 0;
            for (int p = 0; p < d; p++) {
                double a = Math.abs(raw.gradTop1()[i * d + p]);
                max = Math.max(max, a);
                total += a;
                if (block.nullBlock()[i][p]) inNull += a;
            }
            share += (total > 0 ? inNull / total : 0) / n;
            int ox = GAP + i * (tileW + GAP);
            g.setFont(Drawing.font(12, false));
            Drawing.text(g, "label " + block.labels()[i], ox, HEADER + 14);
            Drawing.text(g, String.format(Locale.ROOT, "f = %+.2f", f), ox, HEADER + 29);
            int y0 = HEADER + CAPTION;
            int y1 = y0 + tileH + CAPTION;
            Drawing.text(
                    g, String.format(Locale.ROOT, "null %.1f %%", 100 * (total > 0 ? inNull / total : 0)), ox, y1 - 8);
            for (int r = 0; r < BlockMnist.HEIGHT; r++) {
                for (int c = 0; c < BlockMnist.WIDTH; c++) {
                    int p = r * BlockMnist.WIDTH + c;
                    int v = (int) Math.round(255 * Math.max(0, Math.min(1, block.images()[i][p])));
                    int gray = (v << 16) | (v << 8) | v;
                    int heat = Colormap.VIRIDIS.rgb(Math.abs(raw.gradTop1()[i * d + p]) / max);
                    for (int dy = 0; dy < SCALE; dy++) {
                        for (int dx = 0; dx < SCALE; dx++) {
                            image.setRGB(ox + c * SCALE + dx, y0 + r * SCALE + dy, gray);
                            image.setRGB(ox + c * SCALE + dx, y1 + r * SCALE + dy, heat);
                        }
                    }
                }
            }
        }
        g.setFont(Drawing.font(15, true));
        Drawing.text(
                g,
                String.format(
                        Locale.ROOT,
                        "BlockMNIST (paper Fig. 7): images, then |∇f| (viridis, own max); %.1f %% of |∇f| in the null"
                                + " block",
                        100 * share),
                GAP,
                21);
        g.dispose();
        Drawing.writePng(image, png);
        return new Result(n, share, correct / (double) n);
    }
}
