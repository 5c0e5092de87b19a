package io.otnn.explain.attribution;

import io.otnn.explain.Explainer;

/** Gradient ⊙ Input (Shrikumar et al. 2016; Xplique {@code GradientInput}): x ⊙ ∇ₓ f_c(x). */
public final class GradientInput implements AttributionMethod {

    @Override
    public String name() {
        return "GradientInput";
    }

    @Override
    public float[][] attribute(Explainer explainer, float[][] images, int[] labels) {
        int size = explainer.metadata().input().size();
        float[] flat = ClassGradients.flatten(images, size);
        float[] g = ClassGradients.of(explainer, flat, images.length, labels);
        for (int q = 0; q < g.length; q++) g[q] *= flat[q];
        return ClassGradients.split(g, images.length, size);
    }
}
