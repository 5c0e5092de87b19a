package io.otnn.explain.attribution;

/** Gradient ⊙ Input (Shrikumar et al. 2016; Xplique {@code GradientInput}): x ⊙ ∇ₓ f_c(x). */
public final class GradientInput implements GradientMap {

    @Override
    public String name() {
        return "GradientInput";
    }

    @Override
    public float[] fromGradient(float[] image, float[] gradient) {
        float[] out = new float[gradient.length];
        for (int q = 0; q < out.length; q++) out[q] = gradient[q] * image[q];
        return out;
    }
}
