package io.otnn.explain.attribution;

import io.otnn.explain.Explainer;
import io.otnn.explain.ModelException;

/**
 * Grad-CAM (Selvaraju et al. 2017; Xplique {@code GradCAM}; paper A.4.1 "on the last convolutional layer"), read from
 * the checkpoint's optional {@code gradcam} signature: ReLU(Σ_k α_k A_k), A the output of the last convolutional
 * block, α_k the spatial mean of ∂f_c/∂A_k, resized to the input's H×W by the signature (bilinear; Xplique resizes
 * with OpenCV's bicubic) and not normalised. The map is the same for every channel of a pixel, so that it is shaped
 * like the image as every attribution here. A checkpoint without the signature (no convolutional layer, or exported
 * before it existed) has no Grad-CAM: {@link #unavailableReason} says so and {@link #attribute} refuses.
 */
public final class GradCam implements AttributionMethod {

    /** Images per {@code gradcam} call. */
    static final int CHUNK = ClassGradients.CHUNK;

    @Override
    public String name() {
        return "GradCAM";
    }

    @Override
    public String unavailableReason(Explainer explainer) {
        return explainer.hasGradCam()
                ? null
                : "the checkpoint has no 'gradcam' signature (no convolutional layer, or exported without it)";
    }

    @Override
    public float[][] attribute(Explainer explainer, float[][] images, int[] labels) {
        String reason = unavailableReason(explainer);
        if (reason != null)
            throw new ModelException(
                    "Grad-CAM is unavailable for '" + explainer.metadata().name() + "': " + reason);
        var input = explainer.metadata().input();
        int size = input.size();
        int pixels = input.height() * input.width();
        int c = input.channels();
        float[][] out = new float[images.length][size];
        for (int start = 0; start < images.length; start += CHUNK) {
            int m = Math.min(CHUNK, images.length - start);
            float[] flat = new float[m * size];
            int[] targets = new int[m];
            for (int i = 0; i < m; i++) {
                System.arraycopy(images[start + i], 0, flat, i * size, size);
                targets[i] = labels[start + i];
            }
            float[] cam = explainer.gradCamRaw(flat, m, targets).cam();
            if (cam.length != m * pixels) {
                throw new ModelException("signature 'gradcam' returned " + cam.length + " values for " + m
                        + " images of " + input.height() + "x" + input.width());
            }
            for (int i = 0; i < m; i++) {
                float[] map = out[start + i];
                for (int p = 0; p < pixels; p++) {
                    for (int k = 0; k < c; k++) map[p * c + k] = cam[i * pixels + p];
                }
            }
        }
        return out;
    }
}
