package io.otnn.explain.metrics;

import io.otnn.explain.Explainer;
import io.otnn.explain.attribution.ClassGradients;

/** The score the metrics perturb: f_{labels[i]} of {@code n} flattened images (logits, as Xplique's default operator). */
@FunctionalInterface
public interface Scorer {

    float[] scores(float[] flatImages, int n, int[] labels);

    /** The model's logits through {@code serving_default}. */
    static Scorer of(Explainer explainer) {
        return (flat, n, labels) -> ClassGradients.scores(explainer, flat, n, labels);
    }

    /** A forward pass: the logits {@code [n, K]}, row-major, of {@code n} flattened images. */
    @FunctionalInterface
    interface Logits {
        float[] logits(float[] flatImages, int n);
    }

    /**
     * f_{labels[i]} picked from the logits of any forward pass, as {@link #of} picks them: with one logit (a binary
     * model) the score of class 1 is f and of class 0 is −f.
     */
    static Scorer ofLogits(Logits forward) {
        return (flat, n, labels) -> {
            if (n == 0) return new float[0];
            float[] logits = forward.logits(flat, n);
            if (logits.length % n != 0) {
                throw new IllegalArgumentException(logits.length + " logits for " + n + " images");
            }
            int k = logits.length / n;
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                out[i] = k == 1 ? (labels[i] == 1 ? logits[i] : -logits[i]) : logits[i * k + labels[i]];
            }
            return out;
        };
    }
}
