package io.otnn.streams.fidelity;

import java.util.List;

import io.otnn.explain.Explainer;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.checkpoint.ModelMetadata;
import io.otnn.explain.metrics.Baseline;
import io.otnn.explain.metrics.CausalFidelity;
import io.otnn.explain.metrics.MuFidelity;
import io.otnn.explain.metrics.Scorer;

/**
 * The offline computation the online figures must equal: explain-core's explainer and metrics called directly on
 * the images (their saliency maps for the predicted class, scored through {@code serving_default} image by image),
 * not through the stream.
 */
final class OfflineFidelity {

    private OfflineFidelity() {
    }

    /** Per image, µFidelity then Deletion AUC. */
    static double[][] of(OtnnModel model, float[][] images, FidelitySettings s) {
        ModelMetadata.Input input = model.metadata().input();
        try (Explainer explainer = model.newExplainer()) {
            List<ImageExplanation> explanations = explainer.explain(images);
            int[] predicted = explanations.stream().mapToInt(ImageExplanation::predicted).toArray();
            float[][] saliency = explanations.stream().map(ImageExplanation::saliency).toArray(float[][]::new);
            Scorer scorer = Scorer.of(explainer);
            double[] mu = new MuFidelity(input, s.grid(), s.subsetFraction(), s.muFidelitySamples(), s.baseline(),
                    s.seed()).perImage(scorer, images, predicted, saliency);
            double[] deletion = new double[images.length];
            for (int i = 0; i < images.length; i++) {
                // with the uniform baseline, each image is measured as the first (only) image of its call
                deletion[i] = new CausalFidelity(input, CausalFidelity.Mode.DELETION, s.baseline(), s.deletionSteps(),
                        s.seed()).perImage(scorer, new float[][] {images[i]}, new int[] {predicted[i]},
                        new float[][] {saliency[i]})[0];
            }
            double[][] out = new double[images.length][];
            for (int i = 0; i < images.length; i++) {
                out[i] = new double[] {mu[i], deletion[i]};
            }
            return out;
        }
    }

    static FidelitySettings settings(double rate, int samples, Baseline baseline) {
        return new FidelitySettings(rate, samples, 20, 0.2, baseline, 10, 0);
    }
}
