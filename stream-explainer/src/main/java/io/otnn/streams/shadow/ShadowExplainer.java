package io.otnn.streams.shadow;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.ImageExplanation;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.explaining.ExplainerException;
import io.otnn.streams.explaining.ServedModel;
import java.util.List;
import java.util.Optional;

/**
 * One stream task's calls to the shadow model: one model call per batch, on the same pixels as the primary's. Asks
 * its {@link ServedModel} before each call and makes a new {@link BatchExplainer} when the generation changed. Not
 * thread-safe (one per task).
 */
public final class ShadowExplainer implements AutoCloseable {

    /** The shadow's results for one call, with the metadata of the model that gave them. */
    public record Results(ModelMetadata model, List<ImageExplanation> results) {}

    private final ServedModel served;
    private BatchExplainer explainer;
    private ModelMetadata model;
    private long generation = -1;

    ShadowExplainer(ServedModel served) {
        this.served = served;
    }

    /** Whether the shadow slot serves a model now (a followed shadow serves none until its first checkpoint). */
    public boolean serving() {
        return served.serving();
    }

    /**
     * @param primary the primary's metadata now: a shadow that cannot be compared with it is refused
     * @throws ExplainerException when the shadow cannot explain these images (its model call, or its contract)
     */
    public Results explain(float[][] pixels, ModelMetadata primary) {
        ServedModel.Serving serving = served.current();
        if (explainer == null || serving.generation() != generation) {
            close();
            model = serving.engine().model();
            generation = serving.generation();
            explainer = serving.engine().newExplainer();
        }
        Optional<String> incompatible = ShadowModel.incompatibility(primary, model);
        if (incompatible.isPresent()) {
            throw new ExplainerException(incompatible.get());
        }
        List<ImageExplanation> results = List.copyOf(explainer.explain(pixels));
        if (results.size() != pixels.length) {
            throw new ExplainerException(
                    "the shadow returned " + results.size() + " results for " + pixels.length + " images");
        }
        return new Results(model, results);
    }

    @Override
    public void close() {
        if (explainer != null) {
            explainer.close();
            explainer = null;
        }
    }
}
