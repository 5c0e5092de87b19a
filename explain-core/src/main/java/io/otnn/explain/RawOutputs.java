package io.otnn.explain;

/**
 * The raw outputs of one call of the {@code explain} or {@code explain_to} signature on {@code n} images, flattened
 * row-major: {@code logits [n, K]}, {@code gradTop1} and {@code gradMargin} {@code [n, H·W·C]}. For attribution
 * methods that need the gradients of many perturbed copies of an image.
 */
public record RawOutputs(int n, int classes, int imageSize, float[] logits, float[] gradTop1, float[] gradMargin) {

    public float logit(int image, int k) {
        return logits[image * classes + k];
    }
}
