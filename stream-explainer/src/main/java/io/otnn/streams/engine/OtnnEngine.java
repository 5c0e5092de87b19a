package io.otnn.streams.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.otnn.explain.Explainer;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.checkpoint.ModelMetadata;

/**
 * The real engine: an OTNN checkpoint loaded by explain-core (DJL on TensorFlow), one {@link Explainer} (one engine
 * session) per stream task.
 */
public final class OtnnEngine implements ExplanationEngine {

    private final OtnnModel model;
    private final ModelInfo info;

    private OtnnEngine(OtnnModel model) {
        this.model = model;
        ModelMetadata m = model.metadata();
        ModelMetadata.Input in = m.input();
        this.info = new ModelInfo(m.name(), m.version(), in.height(), in.width(), in.channels(), in.min(), in.max(),
                in.rawScale(), in.rawOffset(), List.copyOf(m.classNames()));
    }

    /** Verifies and loads the checkpoint (a directory or a .tar.gz of one). */
    public static OtnnEngine load(Path dirOrArchive) {
        return new OtnnEngine(OtnnModel.load(dirOrArchive));
    }

    @Override
    public ModelInfo model() {
        return info;
    }

    /** The loaded model, for callers that need explain-core directly (tests compare certificates with it). */
    public OtnnModel otnnModel() {
        return model;
    }

    @Override
    public BatchExplainer newExplainer() {
        Explainer explainer = model.newExplainer();
        return new BatchExplainer() {
            @Override
            public List<ImageResult> explain(float[][] images) {
                List<ImageExplanation> explanations;
                try {
                    explanations = explainer.explain(images);
                } catch (RuntimeException e) {
                    throw new ExplainerException("the OTNN model call failed for " + images.length + " image(s)", e);
                }
                List<ImageResult> results = new ArrayList<>(explanations.size());
                for (ImageExplanation e : explanations) {
                    results.add(new ImageResult(e.scores(), e.predicted(), e.runnerUp(), e.margin(), e.radius(),
                            e.certificateFactor(), e.lipschitz(), e.saliency(), e.counterfactual(),
                            e.counterfactualClass(), e.t(), e.distance(), e.boundaryDistance(),
                            e.boundaryResidual()));
                }
                return results;
            }

            @Override
            public float[] logits(float[] flatImages, int n) {
                try {
                    return explainer.logits(flatImages, n);
                } catch (RuntimeException e) {
                    throw new ExplainerException("the OTNN forward pass failed for " + n + " image(s)", e);
                }
            }

            @Override
            public void close() {
                explainer.close();
            }
        };
    }

    @Override
    public void close() {
        model.close();
    }
}
