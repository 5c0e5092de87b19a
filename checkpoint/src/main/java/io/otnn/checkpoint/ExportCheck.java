package io.otnn.checkpoint;

import java.util.Locale;
import java.util.Optional;

/**
 * What an exported checkpoint must satisfy before it is published, checked on the reloaded SavedModel: every input
 * gradient respects the Lipschitz bound the metadata claims (‖∇ₓ f_top1‖ ≤ L(1 + 1e-3), ‖∇ₓ (f_top1 − f_top2)‖ ≤
 * c·L(1 + 5e-3)), and the reloaded logits equal the training graph's (within {@link #LOGIT_TOLERANCE}). Without it a
 * certificate (f_k* − f_j) / (c·L) would not be a certificate.
 */
public final class ExportCheck {

    /** Relative tolerance of the gradient-norm check (the Björck stop criterion leaves ~1e-3). */
    public static final double GRADIENT_TOLERANCE = 1e-3;
    /**
     * Relative tolerance of the margin-gradient check ‖∇(f_top1 − f_top2)‖ ≤ c·L. It compounds the residual of every
     * Björck-normalised layer along two output directions: a 3-epoch dense OTNN on full Fashion-MNIST measured
     * 1.4166 = √2 · 1.0017 while its ‖∇f_top1‖ stayed ≤ 1.0001, so 1e-3 refused sound models.
     */
    public static final double MARGIN_GRADIENT_TOLERANCE = 5e-3;
    /** Logits of the reloaded model must match the training graph's within this (absolute, + relative) tolerance. */
    public static final double LOGIT_TOLERANCE = 1e-4;

    private ExportCheck() {}

    /**
     * @param maxGradientNorm       max ‖∇ₓ f_top1‖ over the test images
     * @param maxMarginGradientNorm max ‖∇ₓ (f_top1 − f_top2)‖ (ignored for one logit)
     * @return why the gradients break the bound, or empty when they respect it
     */
    public static Optional<String> gradientProblem(
            double maxGradientNorm,
            double maxMarginGradientNorm,
            double lipschitzConstant,
            double certificateFactor,
            int logits) {
        return gradientProblem(maxGradientNorm, maxMarginGradientNorm, lipschitzConstant, certificateFactor, logits, 0);
    }

    /**
     * As {@link #gradientProblem(double, double, double, double, int)} for gradients computed with rounding: each
     * tolerance grows by {@code precisionTolerance} ({@link ModelMetadata#gradientTolerance}).
     */
    public static Optional<String> gradientProblem(
            double maxGradientNorm,
            double maxMarginGradientNorm,
            double lipschitzConstant,
            double certificateFactor,
            int logits,
            double precisionTolerance) {
        double tolerance = GRADIENT_TOLERANCE + precisionTolerance;
        double bound = lipschitzConstant * (1 + tolerance);
        if (!(maxGradientNorm <= bound)) {
            return Optional.of(String.format(
                    Locale.ROOT,
                    "max ‖∇ₓ f_top1‖ = %.6f on the test images exceeds L(1 + %s) = %.6f",
                    maxGradientNorm,
                    precisionTolerance == 0 ? "1e-3" : String.format(Locale.ROOT, "%.3g", tolerance),
                    bound));
        }
        double marginTolerance = MARGIN_GRADIENT_TOLERANCE + precisionTolerance;
        double marginBound = certificateFactor * lipschitzConstant * (1 + marginTolerance);
        if (logits > 1 && !(maxMarginGradientNorm <= marginBound)) {
            return Optional.of(String.format(
                    Locale.ROOT,
                    "max ‖∇ₓ (f_top1 − f_top2)‖ = %.6f exceeds c·L(1 + %s) = %.6f",
                    maxMarginGradientNorm,
                    precisionTolerance == 0 ? "5e-3" : String.format(Locale.ROOT, "%.3g", marginTolerance),
                    marginBound));
        }
        return Optional.empty();
    }

    /**
     * @return the first logit of the reloaded model that differs from the training graph's, or empty when all match
     */
    public static Optional<String> logitProblem(float[] training, float[] reloaded) {
        for (int i = 0; i < training.length; i++) {
            if (!(Math.abs(training[i] - reloaded[i]) <= LOGIT_TOLERANCE * (1 + Math.abs(training[i])))) {
                return Optional.of("the reloaded SavedModel's logit " + i + " is " + reloaded[i]
                        + " but the training graph's is " + training[i]);
            }
        }
        return Optional.empty();
    }
}
