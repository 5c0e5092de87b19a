package io.otnn.streams.explaining;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.Explainer;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.streams.drift.DriftReference;
import java.nio.file.Path;
import java.util.List;

/**
 * The real engine: an OTNN checkpoint loaded by explain-core (DJL on TensorFlow), one {@link Explainer} (one engine
 * session) per stream task.
 */
public final class OtnnEngine implements ExplanationEngine {

    private final OtnnModel model;

    private OtnnEngine(OtnnModel model) {
        this.model = model;
    }

    /** Verifies and loads the checkpoint (a directory or a .tar.gz of one). */
    public static OtnnEngine load(Path dirOrArchive) {
        return new OtnnEngine(OtnnModel.load(dirOrArchive));
    }

    @Override
    public ModelMetadata model() {
        return model.metadata();
    }

    @Override
    public DriftReference driftReference() {
        return DriftReference.fromMetadata(model.metadata().reference());
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
            public List<ImageExplanation> explain(float[][] images) {
                try {
                    return explainer.explain(images);
                } catch (RuntimeException e) {
                    throw new ExplainerException("the OTNN model call failed for " + images.length + " image(s)", e);
                }
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
