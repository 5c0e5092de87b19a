package io.otnn.streams.explaining;

import io.otnn.explain.checkpoint.ModelMetadata;

/**
 * A loaded model that hands out per-task {@link BatchExplainer}s. Thread-safe; owned by the application.
 *
 * <p>The stream never imports the inference engine: the OTNN adapter ({@code OtnnEngine}) implements this
 * interface over explain-core.
 */
public interface ExplanationEngine extends AutoCloseable {

    /** The checkpoint's metadata: identity, input contract and class names. */
    ModelMetadata model();

    /** A new explainer for one stream task (explainers are not thread-safe). */
    BatchExplainer newExplainer();

    @Override
    void close();
}
