package io.otnn.streams.explaining;

/**
 * A loaded model that hands out per-task {@link BatchExplainer}s. Thread-safe; owned by the application.
 *
 * <p>The stream never imports the inference engine: the OTNN adapter ({@code OtnnEngine}) implements this
 * interface over explain-core.
 */
public interface ExplanationEngine extends AutoCloseable {

    ModelInfo model();

    /** A new explainer for one stream task (explainers are not thread-safe). */
    BatchExplainer newExplainer();

    @Override
    void close();
}
