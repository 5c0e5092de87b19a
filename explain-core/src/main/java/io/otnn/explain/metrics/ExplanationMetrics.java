package io.otnn.explain.metrics;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import javax.imageio.ImageIO;

/** Per-image explanation metrics that need no model: distance, JPEG complexity, BlockMNIST null-block fraction. */
public final class ExplanationMetrics {

    private ExplanationMetrics() {}

    /**
     * The distances between two maps of the same image (Saliency against |SmoothGrad| in paper Table 1, which does not
     * say how it scales the maps), each a named option; all squared L2 unless named otherwise.
     */
    public enum MapDistance {
        /** Σ (a − b)², no root, no scaling: Xplique's {@code 'l2'} in 2021 – 2023-10. */
        L2_SQUARED("l2-squared"),
        /** Σ (a/max|a| − b/max|b|)²: each map normalised to a maximum of 1 (as a heat map is drawn). */
        L2_SQUARED_MAX_NORMALISED("l2-squared max-normalised"),
        /** Σ (a/‖a‖ − b/‖b‖)²: each map normalised to unit L2 norm (this product's earlier definition). */
        L2_SQUARED_UNIT_NORM("l2-squared unit-norm"),
        /** √Σ (a − b)²: Xplique's {@code 'l2'} since 2023-10. */
        L2("l2"),
        /** 1 − Spearman ρ (paper A.4.2's other distance between explanations). */
        ONE_MINUS_SPEARMAN("1-spearman");

        private final String label;

        MapDistance(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public double of(float[] a, float[] b) {
            return switch (this) {
                case L2_SQUARED -> squaredL2(a, 1, b, 1);
                case L2_SQUARED_MAX_NORMALISED -> squaredL2(a, maxAbs(a), b, maxAbs(b));
                case L2_SQUARED_UNIT_NORM -> normalizedL2(a, b);
                case L2 -> Math.sqrt(squaredL2(a, 1, b, 1));
                case ONE_MINUS_SPEARMAN -> {
                    double rho = Spearman.rho(a, b);
                    yield 1 - (Double.isNaN(rho) ? 0 : rho);
                }
            };
        }
    }

    /** Σ (a/sa − b/sb)², a zero scale counting as a zero map. */
    static double squaredL2(float[] a, double sa, float[] b, double sb) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double x = sa == 0 ? 0 : a[i] / sa;
            double y = sb == 0 ? 0 : b[i] / sb;
            sum += (x - y) * (x - y);
        }
        return sum;
    }

    static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) m = Math.max(m, Math.abs(x));
        return m;
    }

    /**
     * L2 distance between two attribution maps of the same image, each first divided by its L2 norm (so models with
     * different gradient scales compare), then squared L2 (Xplique's 'l2' distance). Magnitudes are compared: pass
     * |SmoothGrad| against Saliency. 0 when a map is all zero and the other too.
     */
    public static double normalizedL2(float[] a, float[] b) {
        double na = norm(a);
        double nb = norm(b);
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double x = na == 0 ? 0 : a[i] / na;
            double y = nb == 0 ? 0 : b[i] / nb;
            sum += (x - y) * (x - y);
        }
        return sum;
    }

    /**
     * Bytes of the map as a JPEG (paper A.4.2, a proxy of Kolmogorov complexity): |values| (max over channels) scaled
     * to its maximum into an 8-bit gray image, ImageIO's default JPEG quality (0.75).
     */
    public static int jpegBytes(float[] map, int height, int width, int channels) {
        double max = 0;
        for (float v : map) max = Math.max(max, Math.abs(v));
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int p = 0; p < height * width; p++) {
            double v = 0;
            for (int k = 0; k < channels; k++) v = Math.max(v, Math.abs(map[p * channels + k]));
            image.getRaster().setSample(p % width, p / width, 0, max == 0 ? 0 : (int) Math.round(v / max * 255));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "jpeg", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.size();
    }

    /**
     * BlockMNIST proxy (Shah et al. 2021, paper Table 11): the fraction of the top-k % pixels of |map| (ties broken by
     * pixel index) that fall in the null block.
     *
     * @param nullBlock per pixel, whether it belongs to the null block
     * @param percent   k in percent (2.5, 5, 10, …)
     */
    public static double nullBlockFraction(float[] map, boolean[] nullBlock, double percent) {
        int pixels = nullBlock.length;
        int channels = map.length / pixels;
        double[] v = new double[pixels];
        for (int p = 0; p < pixels; p++) {
            for (int k = 0; k < channels; k++) v[p] = Math.max(v[p], Math.abs(map[p * channels + k]));
        }
        Integer[] order = new Integer[pixels];
        for (int p = 0; p < pixels; p++) order[p] = p;
        Arrays.sort(order, (a, b) -> Double.compare(v[b], v[a]));
        int top = Math.max(1, (int) Math.round(pixels * percent / 100.0));
        int inNull = 0;
        for (int r = 0; r < top; r++) if (nullBlock[order[r]]) inNull++;
        return (double) inNull / top;
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) s += (double) x * x;
        return Math.sqrt(s);
    }
}
