package io.otnn.explain.attribution;

import io.otnn.explain.Explainer;

/**
 * Integrated Gradients (Sundararajan et al. 2017; Xplique {@code IntegratedGradients}): (x − x₀) ⊙ the trapezoidal
 * average of ∇ f_c over {@code steps} points x₀ + α(x − x₀), α = linspace(0, 1, steps), with a constant baseline x₀.
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
        int size = explainer.metadata().input().size();
        float[][] out = new float[images.length][size];
        int perCall = Math.max(1, ClassGradients.CHUNK / steps);
        for (int start = 0; start < images.length; start += perCall) {
            int m = Math.min(perCall, images.length - start);
            float[] batch = new float[m * steps * size];
            int[] batchLabels = new int[m * steps];
            for (int i = 0; i < m; i++) {
                for (int s = 0; s < steps; s++) {
                    float alpha = (float) s / (steps - 1);
                    int row = (i * steps + s) * size;
                    for (int p = 0; p < size; p++) {
                        batch[row + p] = baseline + alpha * (images[start + i][p] - baseline);
                    }
                    batchLabels[i * steps + s] = labels[start + i];
                }
            }
            float[] g = ClassGradients.of(explainer, batch, m * steps, batchLabels);
            for (int i = 0; i < m; i++) {
                float[] acc = out[start + i];
                for (int s = 0; s + 1 < steps; s++) {
                    int a = (i * steps + s) * size;
                    int b = a + size;
                    for (int p = 0; p < size; p++) acc[p] += 0.5f * (g[a + p] + g[b + p]);
                }
                for (int p = 0; p < size; p++) acc[p] = acc[p] / (steps - 1) * (images[start + i][p] - baseline);
            }
        }
        return out;
    }
}
