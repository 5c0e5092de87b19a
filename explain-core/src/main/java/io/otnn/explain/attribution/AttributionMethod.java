package io.otnn.explain.attribution;

import io.otnn.explain.Explainer;

/**
 * An attribution method computed through the checkpoint's signatures (DJL cannot differentiate: every gradient comes
 * from {@code explain_to}). Implementations follow Xplique's definitions; see the module README.
 */
public interface AttributionMethod {

    /** Short name used in tables ("Saliency", "SmoothGrad", …). */
    String name();

    /**
     * One attribution map per image, shaped like the image ({@code [H, W, C]} flattened), for class {@code labels[i]}.
     * Deterministic: the same inputs give the same maps.
     */
    float[][] attribute(Explainer explainer, float[][] images, int[] labels);

    /**
     * The same method with its random draws seeded by {@code seed}; deterministic methods return themselves. Metrics
     * that compare maps of nearby points (Stability) use fresh seeds, as Xplique draws fresh noise on every call.
     */
    default AttributionMethod withSeed(long seed) {
        return this;
    }

    /**
     * Why this method cannot explain this explainer's model, or null when it can (every gradient method can; Grad-CAM
     * needs the optional {@code gradcam} signature).
     */
    default String unavailableReason(Explainer explainer) {
        return null;
    }
}
