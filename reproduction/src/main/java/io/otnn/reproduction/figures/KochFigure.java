package io.otnn.reproduction.figures;

import io.otnn.explain.Explainer;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.RawOutputs;
import io.otnn.explain.render.Colormap;
import io.otnn.trainer.data.Dataset;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The paper's Figure 2 (Prop. 2): a binary OTNN f learnt on two concentric Koch snowflakes. (a) the level sets of f,
 * the two classes and the boundary f = 0 (red, dashed); (b) and (c) for test points x of each class the segment
 * [x, x_δ] with x_δ = x − f(x)∇f(x), which should end on the boundary. f and ∇f come from the checkpoint's own
 * {@code explain} signature; f(x_δ) from {@code serving_default}.
 */
public final class KochFigure {

    /** Half-width of the plotted square: the input range of the Koch checkpoints is [−3, 3]². */
    public static final double EXTENT = 3.0;
    /** Grid cells per side for the level sets. */
    public static final int GRID = 200;

    public static final int PANEL = 420;
    public static final int TITLE = 44;
    public static final int HEADER = 30;
    private static final Color INNER = new Color(0x1f77b4);
    private static final Color OUTER = new Color(0xff7f0e);
    private static final Color BOUNDARY = new Color(0xd62728);

    /**
     * One drawn segment.
     *
     * @param x      the test point
     * @param label  its class (1 inner, 0 outer)
     * @param fx     f(x)
     * @param grad   ∇f(x)
     * @param xDelta x − f(x)∇f(x)
     * @param fDelta f(x_δ)
     */
    public record Segment(float[] x, int label, float fx, float[] grad, float[] xDelta, float fDelta) {}

    /**
     * @param segments      the segments drawn in (b) and (c)
     * @param meanResidual  mean |f(x_δ)| over the segments
     * @param maxResidual   max |f(x_δ)|
     * @param accuracy      share of the segments' points on their class's side
     */
    public record Result(List<Segment> segments, double meanResidual, double maxResidual, double accuracy) {}

    private KochFigure() {}

    /** Draws the figure of {@code checkpoint} with {@code perClass} segments of each class of {@code test} into png. */
    public static Result draw(Path checkpoint, Dataset test, int perClass, Path png) {
        try (OtnnModel model = OtnnModel.load(checkpoint);
                Explainer explainer = model.newExplainer()) {
            List<Segment> segments = segments(explainer, test, perClass);
            float[][] grid = grid(explainer);
            double mean = 0, max = 0;
            int correct = 0;
            for (Segment s : segments) {
                mean += Math.abs(s.fDelta()) / segments.size();
                max = Math.max(max, Math.abs(s.fDelta()));
                if ((s.fx() > 0) == (s.label() == 1)) correct++;
            }
            Result result = new Result(segments, mean, max, correct / (double) segments.size());
            render(test, grid, result, png);
            return result;
        }
    }

    /** The first {@code perClass} test points of each class, their f, ∇f, x_δ and f(x_δ). */
    static List<Segment> segments(Explainer explainer, Dataset test, int perClass) {
        List<Integer> chosen = new ArrayList<>();
        int[] count = new int[2];
        for (int i = 0; i < test.size(); i++) {
            int label = test.labels()[i];
            if (count[label] < perClass) {
                count[label]++;
                chosen.add(i);
            }
        }
        int n = chosen.size();
        float[] x = new float[2 * n];
        for (int i = 0; i < n; i++) System.arraycopy(test.images(), 2 * chosen.get(i), x, 2 * i, 2);
        RawOutputs raw = explainer.explainRaw(x, n);
        float[] moved = new float[2 * n];
        for (int i = 0; i < n; i++) {
            float f = raw.logits()[i];
            for (int j = 0; j < 2; j++) moved[2 * i + j] = x[2 * i + j] - f * raw.gradTop1()[2 * i + j];
        }
        float[] fMoved = explainer.logits(moved, n);
        List<Segment> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Segment(
                    new float[] {x[2 * i], x[2 * i + 1]},
                    test.labels()[chosen.get(i)],
                    raw.logits()[i],
                    new float[] {raw.gradTop1()[2 * i], raw.gradTop1()[2 * i + 1]},
                    new float[] {moved[2 * i], moved[2 * i + 1]},
                    fMoved[i]));
        }
        return out;
    }

    /** f on the (GRID + 1)² corners of the plotted square, [row from the top][column]. */
    static float[][] grid(Explainer explainer) {
        int side = GRID + 1;
        float[] points = new float[2 * side * side];
        for (int r = 0; r < side; r++) {
            for (int c = 0; c < side; c++) {
                int p = r * side + c;
                points[2 * p] = (float) (-EXTENT + 2 * EXTENT * c / GRID);
                points[2 * p + 1] = (float) (EXTENT - 2 * EXTENT * r / GRID);
            }
        }
        float[] f = new float[side * side];
        int batch = 4096;
        for (int start = 0; start < f.length; start += batch) {
            int m = Math.min(batch, f.length - start);
            float[] part = new float[2 * m];
            System.arraycopy(points, 2 * start, part, 0, 2 * m);
            System.arraycopy(explainer.logits(part, m), 0, f, start, m);
        }
        float[][] out = new float[side][side];
        for (int r = 0; r < side; r++) System.arraycopy(f, r * side, out[r], 0, side);
        return out;
    }

    private static void render(Dataset test, float[][] grid, Result result, Path png) {
        int width = 3 * PANEL;
        int height = HEADER + TITLE + PANEL;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Drawing.canvas(image);
        g.setFont(Drawing.font(15, true));
        Drawing.text(
                g,
                String.format(
                        Locale.ROOT,
                        "Koch snowflakes (paper Fig. 2): %d test segments, mean |f(x_δ)| = %.4f, max %.4f",
                        result.segments().size(),
                        result.meanResidual(),
                        result.maxResidual()),
                10,
                21);
        String[][] titles = {
            {"(a) level sets of f, the two classes,", "boundary f = 0 (red, dashed)"},
            {"(b) inner class (blue): x → x_δ = x − f(x)∇f(x)", "(black dots: x_δ)"},
            {"(c) outer class (orange): x → x_δ", "(black dots: x_δ)"}
        };
        for (int p = 0; p < 3; p++) {
            int ox = p * PANEL;
            int oy = HEADER + TITLE;
            g.setFont(Drawing.font(13, false));
            Drawing.text(g, titles[p][0], ox + 12, HEADER + 16);
            Drawing.text(g, titles[p][1], ox + 12, HEADER + 34);
            background(image, grid, ox, oy, p == 0 ? 0.45 : 0.8);
            if (p == 0) contours(g, grid, ox, oy);
            boundary(g, grid, ox, oy);
            g.setColor(new Color(0x999999));
            g.setStroke(new BasicStroke(1f));
            g.drawRect(ox + 4, oy + 4, PANEL - 9, PANEL - 9);
            if (p == 0) {
                for (int i = 0; i < test.size(); i++) {
                    g.setColor(test.labels()[i] == 1 ? INNER : OUTER);
                    dot(g, ox, oy, test.images()[2 * i], test.images()[2 * i + 1], 2.2);
                }
            } else {
                int label = p == 1 ? 1 : 0;
                g.setStroke(new BasicStroke(1.1f));
                for (Segment s : result.segments()) {
                    if (s.label() != label) continue;
                    g.setColor(label == 1 ? INNER : OUTER);
                    g.draw(new Line2D.Double(
                            px(ox, s.x()[0]), py(oy, s.x()[1]), px(ox, s.xDelta()[0]), py(oy, s.xDelta()[1])));
                    dot(g, ox, oy, s.x()[0], s.x()[1], 2.0);
                    g.setColor(Color.BLACK);
                    dot(g, ox, oy, s.xDelta()[0], s.xDelta()[1], 1.6);
                }
            }
        }
        g.dispose();
        Drawing.writePng(image, png);
    }

    /** Pixels coloured by f (RdBu, symmetric around 0), lightened by {@code fade}. */
    private static void background(BufferedImage image, float[][] grid, int ox, int oy, double fade) {
        double max = 1e-6;
        for (float[] row : grid) for (float v : row) max = Math.max(max, Math.abs(v));
        for (int y = 0; y < PANEL; y++) {
            for (int x = 0; x < PANEL; x++) {
                int r = Math.min(GRID, (int) Math.round((double) y / (PANEL - 1) * GRID));
                int c = Math.min(GRID, (int) Math.round((double) x / (PANEL - 1) * GRID));
                // RdBu: blue where f > 0 (the inner class), red where f < 0
                double v = 0.5 - 0.5 * grid[r][c] / max;
                image.setRGB(ox + x, oy + y, Drawing.lighten(Colormap.RD_BU.rgb(v), fade));
            }
        }
    }

    private static void contours(Graphics2D g, float[][] grid, int ox, int oy) {
        g.setColor(new Color(0x777777));
        g.setStroke(new BasicStroke(0.8f));
        double max = 0;
        for (float[] row : grid) for (float v : row) max = Math.max(max, Math.abs(v));
        for (double level = -Math.floor(max / 0.25) * 0.25; level <= max; level += 0.25) {
            if (Math.abs(level) < 1e-9) continue;
            for (double[] s : isoline(grid, level)) g.draw(line(ox, oy, s));
        }
    }

    /** The 0-level set, dashed: every other run of three grid cells is left out. */
    private static void boundary(Graphics2D g, float[][] grid, int ox, int oy) {
        g.setColor(BOUNDARY);
        g.setStroke(new BasicStroke(2.4f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        for (double[] s : isoline(grid, 0)) {
            int cell = (int) (s[4] + s[5]);
            if ((cell / 3) % 2 == 0) g.draw(line(ox, oy, s));
        }
    }

    /**
     * Marching squares: the segments of the level set {@code level}, each {x0, y0, x1, y1} in input coordinates,
     * followed by the cell's row and column.
     */
    static List<double[]> isoline(float[][] grid, double level) {
        List<double[]> out = new ArrayList<>();
        for (int r = 0; r < GRID; r++) {
            for (int c = 0; c < GRID; c++) {
                // corners: top-left, top-right, bottom-right, bottom-left
                double[] v = {
                    grid[r][c] - level, grid[r][c + 1] - level, grid[r + 1][c + 1] - level, grid[r + 1][c] - level
                };
                double[][] corner = {{c, r}, {c + 1, r}, {c + 1, r + 1}, {c, r + 1}};
                List<double[]> cross = new ArrayList<>(4);
                for (int e = 0; e < 4; e++) {
                    double a = v[e], b = v[(e + 1) % 4];
                    if ((a < 0) != (b < 0)) {
                        double t = a / (a - b);
                        double[] p = corner[e], q = corner[(e + 1) % 4];
                        cross.add(new double[] {p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])});
                    }
                }
                for (int k = 0; k + 1 < cross.size(); k += 2) {
                    double[] a = cross.get(k), b = cross.get(k + 1);
                    out.add(new double[] {gx(a[0]), gy(a[1]), gx(b[0]), gy(b[1]), r, c});
                }
            }
        }
        return out;
    }

    private static double gx(double column) {
        return -EXTENT + 2 * EXTENT * column / GRID;
    }

    private static double gy(double row) {
        return EXTENT - 2 * EXTENT * row / GRID;
    }

    private static Line2D line(int ox, int oy, double[] s) {
        return new Line2D.Double(px(ox, s[0]), py(oy, s[1]), px(ox, s[2]), py(oy, s[3]));
    }

    private static double px(int ox, double x) {
        return ox + (x + EXTENT) / (2 * EXTENT) * (PANEL - 1);
    }

    private static double py(int oy, double y) {
        return oy + (EXTENT - y) / (2 * EXTENT) * (PANEL - 1);
    }

    private static void dot(Graphics2D g, int ox, int oy, double x, double y, double radius) {
        g.fill(new Ellipse2D.Double(px(ox, x) - radius, py(oy, y) - radius, 2 * radius, 2 * radius));
    }
}
