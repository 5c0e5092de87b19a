package io.otnn.explain;

/**
 * The counterfactual of one explanation at one step factor t, re-evaluated by the model:
 * x_cf(t) = x − t·g·∇g/‖∇g‖², clipped to the input range (t = 1 is the boundary point x_δ, clipped).
 *
 * @param t              the step factor
 * @param image          x_cf(t), flattened {@code [H, W, C]} like the input
 * @param predictedClass the model's class for x_cf(t) (argmax, or f &gt; 0 for a binary model)
 * @param distance       ‖x_cf(t) − x‖₂ (after clipping)
 */
public record CounterfactualStep(double t, float[] image, int predictedClass, double distance) {}
