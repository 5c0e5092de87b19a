package io.otnn.explain.attribution;

import io.otnn.explain.Explainer;

/**
 * An attribution that is a pixel-wise function of the image and of the one gradient ∇ₓ f_c(x) (Saliency, Gradient ×
 * Input): a caller that already holds that gradient (an evaluation explaining the same points with several methods)
 * computes the map from it instead of asking the model again.
 */
public interface GradientMap extends AttributionMethod {

    /** The map at {@code image} from {@code gradient} = ∇ₓ f_c(image), both flattened {@code [H, W, C]}. */
    float[] fromGradient(float[] image, float[] gradient);

    @Override
    default float[][] attribute(Explainer explainer, float[][] images, int[] labels) {
        int size = explainer.metadata().input().size();
        float[] g = ClassGradients.of(explainer, ClassGradients.flatten(images, size), images.length, labels);
        float[][] out = new float[images.length][];
        for (int i = 0; i < images.length; i++) {
            out[i] = fromGradient(images[i], java.util.Arrays.copyOfRange(g, i * size, (i + 1) * size));
        }
        return out;
    }
}
