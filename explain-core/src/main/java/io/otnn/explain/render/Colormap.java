package io.otnn.explain.render;

/**
 * Colour maps as small anchor tables, linearly interpolated in sRGB: {@link #VIRIDIS} (perceptually uniform, sequential:
 * the 11 anchors of matplotlib's viridis at 0, 0.1, …, 1) and {@link #RD_BU} (ColorBrewer's 11-class RdBu, diverging:
 * blue for negative, white at 0, red for positive).
 */
public enum Colormap {
    VIRIDIS(
            0x440154, 0x482475, 0x414487, 0x355f8d, 0x2a788e, 0x21918c, 0x22a884, 0x44bf70, 0x7ad151, 0xbddf26,
            0xfde725),
    RD_BU(0x053061, 0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7, 0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b, 0x67001f);

    private final int[] anchors;

    Colormap(int... anchors) {
        this.anchors = anchors;
    }

    /** The 0xRRGGBB colour at {@code v} in [0, 1] (clamped; NaN gives the lowest colour). */
    public int rgb(double v) {
        if (!(v > 0)) return anchors[0];
        if (v >= 1) return anchors[anchors.length - 1];
        double pos = v * (anchors.length - 1);
        int i = (int) pos;
        double f = pos - i;
        int a = anchors[i];
        int b = anchors[i + 1];
        return (mix(a >> 16, b >> 16, f) << 16) | (mix(a >> 8, b >> 8, f) << 8) | mix(a, b, f);
    }

    private static int mix(int a, int b, double f) {
        return (int) Math.round((a & 0xff) * (1 - f) + (b & 0xff) * f);
    }
}
