package io.otnn.streams.testing;

import java.util.List;
import java.util.function.Predicate;

import io.otnn.streams.engine.BatchExplainer;
import io.otnn.streams.engine.ExplainerException;
import io.otnn.streams.engine.ExplanationEngine;
import io.otnn.streams.engine.ImageResult;
import io.otnn.streams.engine.ModelInfo;

/**
 * The real engine with one injected fault: a batch containing an image that matches {@code poison} fails the way a
 * model call fails (an {@link ExplainerException}); everything else goes to the real model.
 */
public final class FaultInjectingEngine implements ExplanationEngine {

    private final ExplanationEngine real;
    private final Predicate<float[]> poison;

    public FaultInjectingEngine(ExplanationEngine real, Predicate<float[]> poison) {
        this.real = real;
        this.poison = poison;
    }

    @Override
    public ModelInfo model() {
        return real.model();
    }

    @Override
    public BatchExplainer newExplainer() {
        BatchExplainer explainer = real.newExplainer();
        return new BatchExplainer() {
            @Override
            public List<ImageResult> explain(float[][] images) {
                for (float[] image : images) {
                    if (poison.test(image)) {
                        throw new ExplainerException("injected model failure");
                    }
                }
                return explainer.explain(images);
            }

            @Override
            public void close() {
                explainer.close();
            }
        };
    }

    @Override
    public void close() {
    }
}
