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
}
