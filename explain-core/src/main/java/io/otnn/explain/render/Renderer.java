package io.otnn.explain.render;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.ImageExplanation;
import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PNG pictures of an explanation: the image, the saliency heatmap ({@link Colormap#VIRIDIS}, scaled to its own max), the
 * heatmap over the image, the signed gradient and the difference x_cf − x ({@link Colormap#RD_BU}, symmetric around 0),
 * and the counterfactual. Multi-channel maps are reduced per pixel: saliency by max over channels (as Xplique's
 * Saliency), signed maps by the channel mean. Stateless and thread-safe. {@link ExplanationPanel} draws these same
 * pictures, enlarged and labelled, into one panel.
 */
public final class Renderer {

    private final ModelMetadata.Input input;

    public Renderer(ModelMetadata.Input input) {
        this.input = input;
    }

    /** All pictures of one explanation, by file name. */
    public Map<String, byte[]> render(float[] image, ImageExplanation e) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        out.put("image.png", image(image));
        out.put("saliency.png", heatmap(e.saliency()));
        out.put("overlay.png", overlay(image, e.saliency(), 0.5));
        out.put("gradient.png", diverging(e.signedGradient()));
        out.put("counterfactual.png", image(e.counterfactual()));
        float[] diff = new float[image.length];
        for (int i = 0; i < diff.length; i++) diff[i] = e.counterfactual()[i] - image[i];
        out.put("difference.png", diverging(diff));
        return out;
    }

    /** The image itself (gray or RGB; other channel counts show their mean), mapped from [min, max] to 0–255. */
    public byte[] image(float[] x) {
        return CompactTensor.Png.write(toImage(x));
    }

    /** |values| with the perceptual map, 0 → dark, max → bright. */
    public byte[] heatmap(float[] saliency) {
        return CompactTensor.Png.write(heatmapImage(saliency));
    }

    /** The largest value {@link #heatmap} and {@link #overlay} scale to (max over pixels of the channel-reduced map). */
    public double heatmapMax(float[] saliency) {
        return maxAbs(reduce(saliency, true));
    }

    BufferedImage heatmapImage(float[] saliency) {
        float[] plane = reduce(saliency, true);
        double max = maxAbs(plane);
        BufferedImage out = new BufferedImage(input.width(), input.height(), BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < plane.length; p++) {
            out.setRGB(p % input.width(), p / input.width(), Colormap.VIRIDIS.rgb(max == 0 ? 0 : plane[p] / max));
        }
        return out;
    }

    /** The heatmap blended over the gray image with weight {@code alpha}. */
    public byte[] overlay(float[] x, float[] saliency, double alpha) {
        return CompactTensor.Png.write(overlayImage(x, saliency, alpha));
    }

    BufferedImage overlayImage(float[] x, float[] saliency, double alpha) {
        BufferedImage base = toImage(x);
        float[] plane = reduce(saliency, true);
        double max = maxAbs(plane);
        BufferedImage out = new BufferedImage(input.width(), input.height(), BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < plane.length; p++) {
            int xx = p % input.width();
            int yy = p / input.width();
            int a = base.getRGB(xx, yy);
            int b = Colormap.VIRIDIS.rgb(max == 0 ? 0 : plane[p] / max);
            int rgb = 0;
            for (int shift = 16; shift >= 0; shift -= 8) {
                int v = (int) Math.round((1 - alpha) * ((a >> shift) & 0xff) + alpha * ((b >> shift) & 0xff));
                rgb |= v << shift;
            }
            out.setRGB(xx, yy, rgb);
        }
        return out;
    }

    /** Signed values with the diverging map, symmetric: −max → blue, 0 → white, +max → red. */
    public byte[] diverging(float[] signed) {
        return CompactTensor.Png.write(divergingImage(signed));
    }

    /** The largest |value| {@link #diverging} maps to the ends of its colour map. */
    public double divergingMax(float[] signed) {
        return maxAbs(reduce(signed, false));
    }

    BufferedImage divergingImage(float[] signed) {
        float[] plane = reduce(signed, false);
        double max = maxAbs(plane);
        BufferedImage out = new BufferedImage(input.width(), input.height(), BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < plane.length; p++) {
            double v = max == 0 ? 0.5 : 0.5 + 0.5 * plane[p] / max;
            out.setRGB(p % input.width(), p / input.width(), Colormap.RD_BU.rgb(v));
        }
        return out;
    }

    /** {@link #image} as a picture of the input's size. */
    BufferedImage toImage(float[] x) {
        int c = input.channels();
        boolean rgb = c == 3;
        BufferedImage out = new BufferedImage(input.width(), input.height(), BufferedImage.TYPE_INT_RGB);
        double range = input.max() - input.min();
        for (int p = 0; p < input.width() * input.height(); p++) {
            int color;
            if (rgb) {
                color = (level(x[p * 3], range) << 16) | (level(x[p * 3 + 1], range) << 8) | level(x[p * 3 + 2], range);
            } else {
                double mean = 0;
                for (int k = 0; k < c; k++) mean += x[p * c + k];
                int g = level((float) (mean / c), range);
                color = (g << 16) | (g << 8) | g;
            }
            out.setRGB(p % input.width(), p / input.width(), color);
        }
        return out;
    }

    private int level(float v, double range) {
        return (int) Math.round(Math.max(0, Math.min(1, (v - input.min()) / range)) * 255);
    }

    /** One value per pixel: max |v| over channels, or the channel mean. */
    private float[] reduce(float[] values, boolean maxAbs) {
        int c = input.channels();
        float[] plane = new float[values.length / c];
        for (int p = 0; p < plane.length; p++) {
            float acc = 0;
            for (int k = 0; k < c; k++) {
                float v = values[p * c + k];
                acc = maxAbs ? Math.max(acc, Math.abs(v)) : acc + v / c;
            }
            plane[p] = acc;
        }
        return plane;
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) max = Math.max(max, Math.abs(v));
        return max;
    }
}
