package io.otnn.explain;

/**
 * The explanation of one image (docs/architecture.md, "The explanation of one image"; paper sections 3–4). All images are
 * flattened {@code [H, W, C]} row-major in the model's input range.
 *
 * @param scores              the logits f(x) (one for a binary model)
 * @param predicted           k* = argmax f (binary: 1 when f &gt; 0)
 * @param predictedName       class name of k*
 * @param runnerUp            j: the class the counterfactual goes to — the runner-up, or the requested target
 * @param runnerUpName        class name of j
 * @param targeted            whether j was requested rather than the runner-up
 * @param margin              g = f_k* − f_j at x (binary: |f|)
 * @param radius              certified L2 radius (f_k* − f_runner-up) / (c · L) (binary: |f| / L); always against the
 *                            runner-up, whatever j is
 * @param certificateFactor   c from the metadata
 * @param lipschitz           L from the metadata
 * @param saliency            |∇ₓ f_k*| (the paper's Saliency Map)
 * @param signedGradient      ∇ₓ f_k* (binary: ±∇f, oriented toward the predicted class)
 * @param boundaryPoint       x_δ = x − g ∇g / ‖∇g‖² (not clipped, so that g(x_δ) ≈ 0 can be checked)
 * @param counterfactual      x_cf = x − t g ∇g / ‖∇g‖², clipped to the input range
 * @param t                   the step factor of x_cf (t &gt; 1)
 * @param distance            ‖x_cf − x‖₂
 * @param boundaryDistance    ‖x_δ − x‖₂ = |g| / ‖∇g‖
 * @param counterfactualClass the model's class for x_cf (the explanation checks itself: it should be j)
 * @param boundaryResidual    g(x_δ) = f_k*(x_δ) − f_j(x_δ) (≈ 0 for an OTNN)
 */
public record ImageExplanation(
        float[] scores,
        int predicted,
        String predictedName,
        int runnerUp,
        String runnerUpName,
        boolean targeted,
        double margin,
        double radius,
        double certificateFactor,
        double lipschitz,
        float[] saliency,
        float[] signedGradient,
        float[] boundaryPoint,
        float[] counterfactual,
        double t,
        double distance,
        double boundaryDistance,
        int counterfactualClass,
        double boundaryResidual) {

    /** Whether the self-check holds: the counterfactual lands in class j. */
    public boolean counterfactualReachesTarget() {
        return counterfactualClass == runnerUp;
    }
}
