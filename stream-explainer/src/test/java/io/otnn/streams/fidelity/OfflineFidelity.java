package io.otnn.streams.fidelity;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.Explainer;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.metrics.Baseline;
import io.otnn.explain.metrics.CausalFidelity;
import io.otnn.explain.metrics.MuFidelity;
import io.otnn.explain.metrics.Scorer;
import java.util.List;

/**
 * The offline computation the online figures must equal: explain-core's explainer and metrics called directly on
 * the images (their saliency maps for the predicted class, scored through {@code serving_default} image by image),
 * not through the stream. Each image is measured alone, with its own seed (the stream's
 * {@link OnlineFidelity#imageSeed}).
 */
final class OfflineFidelity {

    private OfflineFidelity() {}

    /** Per image, µFidelity then Deletion AUC. */
    static double[][] of(OtnnModel model, List<String> ids, float[][] images, FidelitySettings s) {
        ModelMetadata.Input input = model.metadata().input();
        try (Explainer explainer = model.newExplainer()) {
            List<ImageExplanation> explanations = explainer.explain(images);
            Scorer scorer = Scorer.of(explainer);
            double[][] out = new double[images.length][];
            for (int i = 0; i < images.length; i++) {
                long seed = OnlineFidelity.imageSeed(s.seed(), ids.get(i));
                float[][] x = {images[i]};
                int[] predicted = {explanations.get(i).predicted()};
                float[][] saliency = {explanations.get(i).saliency()};
                out[i] = new double[] {
                    new MuFidelity(input, s.grid(), s.subsetFraction(), s.muFidelitySamples(), s.baseline(), seed)
                            .perImage(scorer, x, predicted, saliency)[0],
                    new CausalFidelity(input, CausalFidelity.Mode.DELETION, s.baseline(), s.deletionSteps(), seed)
                            .perImage(scorer, x, predicted, saliency)[0]
                };
            }
            return out;
        }
    }

    static FidelitySettings settings(double rate, int samples, Baseline baseline) {
        return new FidelitySettings(rate, samples, 20, 0.2, baseline, 10, 0);
    }
}
