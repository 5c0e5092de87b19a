package io.otnn.trainer.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The paper's Figure 2 toy problem: points on two concentric Koch snowflakes in the plane, the inner one (circumradius
 * {@link #INNER_RADIUS}) class 1, the outer one ({@link #OUTER_RADIUS}) class 0. The inner curve lies within radius 1 and
 * the outer one beyond 2.5·√3/3 ≈ 1.44, so the supports are disjoint (ε ≈ 0.44 &gt; m/2 for the default margin,
 * as Prop. 2 requires). Points are uniform along the curves, seeded. Input shape {@code [1, 1, 2]}.
 */
public final class KochSnowflakes {

    public static final double INNER_RADIUS = 1.0;
    public static final double OUTER_RADIUS = 2.5;
    /** Recursion depth of the Koch curve: 3·4⁴ = 768 segments. */
    public static final int DEFAULT_LEVEL = 4;

    private KochSnowflakes() {}

    /** {@code perClass} points of each class, shuffled. */
    public static Dataset generate(int perClass, long seed) {
        Random random = new Random(seed);
        List<double[]> inner = polygon(INNER_RADIUS, DEFAULT_LEVEL);
        List<double[]> outer = polygon(OUTER_RADIUS, DEFAULT_LEVEL);
        float[] x = new float[perClass * 4];
        int[] y = new int[perClass * 2];
        for (int i = 0; i < perClass; i++) {
            double[] p = sample(inner, random);
            double[] q = sample(outer, random);
            x[4 * i] = (float) p[0];
            x[4 * i + 1] = (float) p[1];
            y[2 * i] = 1;
            x[4 * i + 2] = (float) q[0];
            x[4 * i + 3] = (float) q[1];
            y[2 * i + 1] = 0;
        }
        Dataset all = new Dataset(x, y, 1, 1, 2, List.of("outer", "inner"), true);
        return all.select(Dataset.permutation(all.size(), seed + 1));
    }

    /** Vertices of the closed Koch snowflake of circumradius r (the first vertex is not repeated). */
    static List<double[]> polygon(double r, int level) {
        List<double[]> pts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            double a = Math.PI / 2 - i * 2 * Math.PI / 3;
            pts.add(new double[] {r * Math.cos(a), r * Math.sin(a)});
        }
        for (int l = 0; l < level; l++) {
            List<double[]> next = new ArrayList<>();
            for (int i = 0; i < pts.size(); i++) {
                double[] a = pts.get(i);
                double[] b = pts.get((i + 1) % pts.size());
                double dx = (b[0] - a[0]) / 3, dy = (b[1] - a[1]) / 3;
                double[] p1 = {a[0] + dx, a[1] + dy};
                double[] p3 = {a[0] + 2 * dx, a[1] + 2 * dy};
                // the vertices run clockwise, so outwards is to the left: rotate (dx, dy) by +60°
                double c = Math.cos(Math.PI / 3), s = Math.sin(Math.PI / 3);
                double[] p2 = {p1[0] + c * dx - s * dy, p1[1] + s * dx + c * dy};
                next.add(a);
                next.add(p1);
                next.add(p2);
                next.add(p3);
            }
            pts = next;
        }
        return pts;
    }

    private static double[] sample(List<double[]> poly, Random random) {
        // all segments have the same length, so a uniform segment then a uniform position is uniform by arc length
        int i = random.nextInt(poly.size());
        double[] a = poly.get(i);
        double[] b = poly.get((i + 1) % poly.size());
        double t = random.nextDouble();
        return new double[] {a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])};
    }
}
