package io.otnn.explain.attribution;

import io.otnn.explain.Explainer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Integrated Gradients (Sundararajan et al. 2017; Xplique {@code IntegratedGradients}): (x − x₀) ⊙ the trapezoidal
 * average of ∇ f_c over {@code steps} points x₀ + α(x − x₀), α = linspace(0, 1, steps), with a constant baseline x₀.
 *
 * <p>The α = 0 point is x₀ itself for every image, so its gradient is asked once per class of a call; the α = 1 point
 * is x, whose gradient a caller may already hold ({@link #attribute(Explainer, float[][], int[], float[][])}).
 */
public final class IntegratedGradients implements AttributionMethod {

    public static final int DEFAULT_STEPS = 50;

    private final int steps;
    private final float baseline;

    public IntegratedGradients() {
        this(DEFAULT_STEPS, 0f);
    }

    public IntegratedGradients(int steps, float baseline) {
        if (steps < 2) throw new IllegalArgumentException("steps must be >= 2, got " + steps);
        this.steps = steps;
        this.baseline = baseline;
    }

    @Override
    public String name() {
        return "IntegratedGradients";
    }

    @Override
    public float[][] attribute(Explainer explainer, float[][] images, int[] labels) {
        return attribute(explainer, images, labels, null);
    }

    /**
     * As {@link #attribute(Explainer, float[][], int[])}, with {@code endGradients[i]} = ∇ₓ f_{labels[i]}(images[i])
     * already computed (null: ask the model).
     */
    public float[][] attribute(Explainer explainer, float[][] images, int[] labels, float[][] endGradients) {
        int size = explainer.metadata().input().size();
        Map<Integer, float[]> atBaseline = baselineGradients(explainer, labels, size);
        float[][] out = new float[images.length][size];
        boolean askEnd = endGradients == null;
        int last = steps - 1;
        // the points asked per image: the interior α, and α = 1 unless given
        int first = 1;
        int end = askEnd ? steps : steps - 1;
        int rows = end - first;
        int perCall = rows == 0 ? images.length : Math.max(1, ClassGradients.CHUNK / rows);
        for (int start = 0; start < images.length; start += perCall) {
            int m = Math.min(perCall, images.length - start);
            float[] batch = new float[m * rows * size];
            int[] batchLabels = new int[m * rows];
            for (int i = 0; i < m; i++) {
                float[] image = images[start + i];
                for (int s = first; s < end; s++) {
                    float alpha = (float) s / last;
                    int row = (i * rows + s - first) * size;
                    for (int p = 0; p < size; p++) batch[row + p] = baseline + alpha * (image[p] - baseline);
                    batchLabels[i * rows + s - first] = labels[start + i];
                }
            }
            float[] g = rows == 0 ? new float[0] : ClassGradients.of(explainer, batch, m * rows, batchLabels);
            for (int i = 0; i < m; i++) {
                float[] acc = out[start + i];
                float[] g0 = atBaseline.get(labels[start + i]);
                float[] gEnd = askEnd ? null : endGradients[start + i];
                for (int s = 0; s < last; s++) {
                    float[] a = s == 0 ? g0 : g;
                    int aAt = s == 0 ? 0 : (i * rows + s - first) * size;
                    boolean nextIsEnd = s + 1 == last && !askEnd;
                    float[] b = nextIsEnd ? gEnd : g;
                    int bAt = nextIsEnd ? 0 : (i * rows + s + 1 - first) * size;
                    for (int p = 0; p < size; p++) acc[p] += 0.5f * (a[aAt + p] + b[bAt + p]);
                }
                float[] image = images[start + i];
                for (int p = 0; p < size; p++) acc[p] = acc[p] / last * (image[p] - baseline);
            }
        }
        return out;
    }

    /** ∇ f_c at the baseline image, once per class among {@code labels}. */
    private Map<Integer, float[]> baselineGradients(Explainer explainer, int[] labels, int size) {
        int[] classes = Arrays.stream(labels).distinct().toArray();
        float[] points = new float[classes.length * size];
        Arrays.fill(points, baseline);
        float[] g = ClassGradients.of(explainer, points, classes.length, classes);
        Map<Integer, float[]> out = new LinkedHashMap<>();
        for (int k = 0; k < classes.length; k++) out.put(classes[k], Arrays.copyOfRange(g, k * size, (k + 1) * size));
        return out;
    }
}
