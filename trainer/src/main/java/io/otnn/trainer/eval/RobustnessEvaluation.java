package io.otnn.trainer.eval;

import java.util.SortedMap;

/**
 * The robustness of a model on its test set: accuracy, certificates and gradient norms, computed by {@link Evaluator}
 * on the reloaded checkpoint, stored in {@code otnn-model.json} ({@code evaluation} and {@code reference}) and printed
 * after training. Not explain-core's {@code metrics.Evaluation}, which measures attribution methods (µFidelity,
 * Deletion, Stability…).
 *
 * @param certifiedAccuracy ε → share of test images that are correctly classified with a certified radius ≥ ε
 * @param meanCertificate   mean certified radius of the predicted class over all test images
 * @param gradientNorm      min / mean / max of ‖∇ₓ f_top1‖ over the test images
 * @param maxMarginGradient max of ‖∇ₓ (f_top1 − f_top2)‖ (≤ c·L)
 * @param boundaryResidual  binary only: mean |f(x_δ)| with x_δ = x − f(x)∇f(x) (paper Prop. 2), else NaN
 * @param certificateSample a seeded random sample of the test certificates, sorted ({@link CertificateSample})
 */
public record RobustnessEvaluation(
        int testSize,
        double testAccuracy,
        SortedMap<Double, Double> certifiedAccuracy,
        double meanCertificate,
        double[] gradientNorm,
        double maxMarginGradient,
        double boundaryResidual,
        double[] classPriors,
        double[] predictedClassPriors,
        SortedMap<Double, Double> certificateQuantiles,
        double[] certificateSample) {

    /** The paper's ε for certified accuracy: 36/255, 0.5 and 1.0. */
    public static final double[] EPSILONS = {36.0 / 255.0, 0.5, 1.0};

    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(java.util.Locale.ROOT, "test accuracy %.4f (%d images)", testAccuracy, testSize));
        certifiedAccuracy.forEach(
                (eps, acc) -> s.append(String.format(java.util.Locale.ROOT, ", certified@%.4f %.4f", eps, acc)));
        s.append(String.format(
                java.util.Locale.ROOT,
                ", mean certificate %.4f, |grad| min/mean/max %.4f/%.4f/%.4f",
                meanCertificate,
                gradientNorm[0],
                gradientNorm[1],
                gradientNorm[2]));
        if (!Double.isNaN(boundaryResidual)) {
            s.append(String.format(java.util.Locale.ROOT, ", boundary residual %.4f", boundaryResidual));
        }
        return s.toString();
    }
}
