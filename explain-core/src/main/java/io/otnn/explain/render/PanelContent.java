package io.otnn.explain.render;

import io.otnn.explain.CounterfactualStep;
import io.otnn.explain.ImageExplanation;
import java.util.List;
import java.util.Objects;

/**
 * What one labelled explanation panel shows. All images are flattened {@code [H, W, C]} in the model's input range.
 *
 * @param heading         one line over the panel (which image, which model), or null for none
 * @param image           the input x
 * @param predicted       the model's class k* for x
 * @param label           the ground-truth class, or null when unknown
 * @param radius          the certified L2 radius
 * @param saliency        |∇ₓ f_k*|
 * @param target          the class j the counterfactuals aim at
 * @param counterfactuals x_cf at each step factor t to show, each with the model's class for it
 * @param explained       the explanation's own counterfactual: the difference tile shows its x_cf − x
 */
public record PanelContent(
        String heading,
        float[] image,
        int predicted,
        Integer label,
        double radius,
        float[] saliency,
        int target,
        List<CounterfactualStep> counterfactuals,
        CounterfactualStep explained) {

    public PanelContent {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(saliency, "saliency");
        Objects.requireNonNull(explained, "explained");
        counterfactuals = List.copyOf(counterfactuals);
        if (saliency.length != image.length || explained.image().length != image.length) {
            throw new IllegalArgumentException("image, saliency and counterfactual differ in size: " + image.length
                    + ", " + saliency.length + ", " + explained.image().length);
        }
        for (CounterfactualStep step : counterfactuals) {
            if (step.image().length != image.length) {
                throw new IllegalArgumentException("the counterfactual at t = " + step.t() + " has "
                        + step.image().length + " values, the image " + image.length);
            }
        }
    }

    /** The panel of an engine explanation, with the counterfactuals from {@code Explainer.counterfactuals}. */
    public static PanelContent of(
            String heading,
            float[] image,
            ImageExplanation e,
            List<CounterfactualStep> counterfactuals,
            Integer label) {
        return new PanelContent(
                heading,
                image,
                e.predicted(),
                label,
                e.radius(),
                e.saliency(),
                e.runnerUp(),
                counterfactuals,
                new CounterfactualStep(e.t(), e.counterfactual(), e.counterfactualClass(), e.distance()));
    }
}
