package io.otnn.streams.explaining;

/**
 * The engine's explanation of one image (the paper's sections 3–4).
 *
 * @param scores              logits f(x)
 * @param predicted           k*
 * @param runnerUp            j
 * @param margin              f_k* − f_j
 * @param radius              certified L2 radius (f_k* − f_j) / (c · L)
 * @param certificateFactor   c
 * @param lipschitz           L
 * @param saliency            |∇ₓ f_k*|, HWC
 * @param counterfactual      x_cf, HWC, clipped to the input range
 * @param counterfactualClass class of x_cf on re-evaluation
 * @param t                   the overshoot factor of x_cf
 * @param distance            ‖x_cf − x‖₂
 * @param boundaryDistance    ‖x_δ − x‖₂
 * @param boundaryResidual    g(x_δ)
 */
public record ImageResult(float[] scores, int predicted, int runnerUp, double margin, double radius,
                          double certificateFactor, double lipschitz, float[] saliency, float[] counterfactual,
                          int counterfactualClass, double t, double distance, double boundaryDistance,
                          double boundaryResidual) {
}
