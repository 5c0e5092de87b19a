package io.otnn.explain.attribution;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.Explainer;
import io.otnn.explain.RawOutputs;

/**
 * ∇ₓ f_c for any class c from the {@code explain_to} signature: its {@code grad_top1} is ∇ f_pred and its
 * {@code grad_margin} is ∇ (f_pred − f_c), so ∇ f_c = grad_top1 − grad_margin (exact, one call). For a binary model
 * (one logit f) the score of class 1 is f and of class 0 is −f. Large expanded batches are cut into chunks.
 */
public final class ClassGradients {

    /** Images per engine call; bounds the memory of expanded batches (50 SmoothGrad samples × batch). */
    public static final int CHUNK = 512;

    private ClassGradients() {}

    /** Gradients of f_{labels[i]} at the {@code n} flattened images, flattened the same way. */
    public static float[] of(Explainer explainer, float[] flat, int n, int[] labels) {
        ModelMetadata metadata = explainer.metadata();
        int size = metadata.input().size();
        boolean binary = metadata.task() == ModelMetadata.Task.BINARY;
        float[] out = new float[n * size];
        for (int start = 0; start < n; start += CHUNK) {
            int m = Math.min(CHUNK, n - start);
            float[] chunk = java.util.Arrays.copyOfRange(flat, start * size, (start + m) * size);
            int[] targets = java.util.Arrays.copyOfRange(labels, start, start + m);
            if (binary) {
                RawOutputs raw = explainer.explainRaw(chunk, m);
                for (int i = 0; i < m; i++) {
                    float sign = targets[i] == 1 ? 1f : -1f;
                    for (int p = 0; p < size; p++) out[(start + i) * size + p] = sign * raw.gradTop1()[i * size + p];
                }
            } else {
                RawOutputs raw = explainer.explainToRaw(chunk, m, targets);
                for (int q = 0; q < m * size; q++) {
                    out[start * size + q] = raw.gradTop1()[q] - raw.gradMargin()[q];
                }
            }
        }
        return out;
    }

    /** The scores f_{labels[i]} of {@code n} flattened images ({@code serving_default}), chunked. */
    public static float[] scores(Explainer explainer, float[] flat, int n, int[] labels) {
        ModelMetadata metadata = explainer.metadata();
        int size = metadata.input().size();
        int k = metadata.logitCount();
        boolean binary = metadata.task() == ModelMetadata.Task.BINARY;
        float[] out = new float[n];
        for (int start = 0; start < n; start += CHUNK) {
            int m = Math.min(CHUNK, n - start);
            float[] logits = explainer.logits(java.util.Arrays.copyOfRange(flat, start * size, (start + m) * size), m);
            for (int i = 0; i < m; i++) {
                int label = labels[start + i];
                out[start + i] = binary ? (label == 1 ? logits[i] : -logits[i]) : logits[i * k + label];
            }
        }
        return out;
    }

    static float[] flatten(float[][] images, int size) {
        float[] flat = new float[images.length * size];
        for (int i = 0; i < images.length; i++) System.arraycopy(images[i], 0, flat, i * size, size);
        return flat;
    }

    static float[][] split(float[] flat, int n, int size) {
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) out[i] = java.util.Arrays.copyOfRange(flat, i * size, (i + 1) * size);
        return out;
    }
}
