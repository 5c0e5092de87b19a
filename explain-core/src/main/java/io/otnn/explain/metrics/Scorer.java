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
}
