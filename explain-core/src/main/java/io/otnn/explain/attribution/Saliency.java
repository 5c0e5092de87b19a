package io.otnn.explain.attribution;

/** Saliency (Simonyan et al. 2014; Xplique {@code Saliency}): |∇ₓ f_c(x)|, per channel. */
public final class Saliency implements GradientMap {

    @Override
    public String name() {
        return "Saliency";
    }

    @Override
    public float[] fromGradient(float[] image, float[] gradient) {
        float[] out = new float[gradient.length];
        for (int q = 0; q < out.length; q++) out[q] = Math.abs(gradient[q]);
        return out;
    }
}
