package io.otnn.explain.attribution;

import io.otnn.explain.Explainer;

/** Saliency (Simonyan et al. 2014; Xplique {@code Saliency}): |∇ₓ f_c(x)|, per channel. */
public final class Saliency implements AttributionMethod {

    @Override
    public String name() {
        return "Saliency";
    }

    @Override
    public float[][] attribute(Explainer explainer, float[][] images, int[] labels) {
        int size = explainer.metadata().input().size();
        float[] g = ClassGradients.of(explainer, ClassGradients.flatten(images, size), images.length, labels);
        for (int q = 0; q < g.length; q++) g[q] = Math.abs(g[q]);
        return ClassGradients.split(g, images.length, size);
    }
}
