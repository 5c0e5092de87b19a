package io.otnn.streams.shadow;

import io.otnn.explain.ImageExplanation;
import java.util.OptionalDouble;

/**
 * How the shadow explains one image against the primary model.
 *
 * @param primaryClass          the primary's predicted class
 * @param shadowClass           the shadow's predicted class
 * @param certificateDifference the shadow's certified radius minus the primary's
 * @param spearman              Spearman's ρ between the two saliency maps (|∇f_k*|), or {@code null} when either
 *                              map is constant
 * @param sameTarget            whether both counterfactuals aim at the same class
 * @param label                 the image's true class, or {@code null}
 */
public record ImageComparison(
        int primaryClass,
        int shadowClass,
        double certificateDifference,
        Double spearman,
        boolean sameTarget,
        Integer label) {

    /**
     * Compares the saliency maps as published, the gradient's magnitude |∇f_k*| of each model's own predicted class:
     * the signed gradient is oriented toward that class, so its signs mean different things when the two models
     * predict different classes, while the magnitudes answer the same question for both (which pixels move the
     * decision most).
     */
    public static ImageComparison of(ImageExplanation primary, ImageExplanation shadow, Integer label) {
        OptionalDouble rho = Spearman.rho(primary.saliency(), shadow.saliency());
        return new ImageComparison(
                primary.predicted(),
                shadow.predicted(),
                shadow.radius() - primary.radius(),
                rho.isPresent() ? rho.getAsDouble() : null,
                primary.runnerUp() == shadow.runnerUp(),
                label);
    }
}
