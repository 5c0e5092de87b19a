package io.otnn.streams.models;

import io.otnn.checkpoint.ExportCheck;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.ImageExplanation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * What a checkpoint must show on a few images before it serves, with the exporter's tolerances
 * ({@link ExportCheck}): ‖∇ₓ f_top1‖ ≤ L(1 + 1e-3) and ‖∇ₓ g‖ ≤ c·L(1 + 5e-3) for the margin g = f_k* − f_j (from
 * |g| / ‖x_δ − x‖), and a boundary residual g(x_δ) that the Lipschitz bound allows: the step from x to its boundary
 * point x_δ changes g by at most c·L(1 + 5e-3)·‖x_δ − x‖ (plus the exporter's logit tolerance). A model whose
 * weights break its claimed constant fails one of them, so its certificates would not be certificates.
 */
public final class SelfTest {

    /** Synthetic images added to the real ones (or used alone before the stream has decoded any). */
    public static final int SYNTHETIC_IMAGES = 4;

    private SelfTest() {}

    /** Up to 4 recent real images, then {@link #SYNTHETIC_IMAGES} seeded ones uniform in the input range. */
    public static float[][] images(ModelMetadata.Input input, List<float[]> recent, long seed) {
        List<float[]> images = new ArrayList<>();
        for (float[] image : recent) {
            if (image.length == input.size() && images.size() < 4) {
                images.add(image);
            }
        }
        Random random = new Random(seed);
        for (int n = 0; n < SYNTHETIC_IMAGES; n++) {
            float[] image = new float[input.size()];
            for (int i = 0; i < image.length; i++) {
                image[i] = (float) (input.min() + (input.max() - input.min()) * random.nextDouble());
            }
            images.add(image);
        }
        return images.toArray(new float[0][]);
    }

    /** @return why the results break the model's claims, or empty when they hold */
    public static Optional<String> problem(ModelMetadata model, List<ImageExplanation> results) {
        double lipschitz = model.lipschitzConstant();
        double c = model.certificateFactor();
        double maxGradient = 0;
        double maxMarginGradient = 0;
        for (int i = 0; i < results.size(); i++) {
            ImageExplanation e = results.get(i);
            double norm = 0;
            for (float v : e.signedGradient()) {
                norm += (double) v * v;
            }
            norm = Math.sqrt(norm);
            if (!Double.isFinite(norm) || !Double.isFinite(e.margin()) || !Double.isFinite(e.boundaryResidual())) {
                return Optional.of("self-test image " + i + " gives a non-finite gradient, margin or residual");
            }
            maxGradient = Math.max(maxGradient, norm);
            if (e.margin() != 0 && e.boundaryDistance() > 0) {
                maxMarginGradient = Math.max(maxMarginGradient, Math.abs(e.margin()) / e.boundaryDistance());
            }
        }
        Optional<String> gradients = ExportCheck.gradientProblem(
                maxGradient, maxMarginGradient, lipschitz, c, model.logitCount(), model.gradientTolerance());
        if (gradients.isPresent()) {
            return gradients.map(problem -> "self-test on " + results.size() + " images: " + problem);
        }
        for (int i = 0; i < results.size(); i++) {
            ImageExplanation e = results.get(i);
            double g = Math.abs(e.margin());
            double d = e.boundaryDistance();
            if (g == 0 || !(d > 0)) {
                continue;
            }
            double allowed = c * lipschitz * (1 + ExportCheck.MARGIN_GRADIENT_TOLERANCE) * d
                    + ExportCheck.LOGIT_TOLERANCE * (1 + g);
            double change = Math.abs(g - e.boundaryResidual());
            if (!(change <= allowed)) {
                return Optional.of(String.format(
                        Locale.ROOT,
                        "self-test image %d: the boundary residual g(x_δ) = %.6f is %.6f away from g(x) = %.6f,"
                                + " more than c·L(1 + 5e-3)·‖x_δ − x‖ = %.6f allows",
                        i,
                        e.boundaryResidual(),
                        change,
                        g,
                        allowed));
            }
        }
        return Optional.empty();
    }
}
