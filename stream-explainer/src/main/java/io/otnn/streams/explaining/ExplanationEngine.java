package io.otnn.streams.explaining;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.streams.drift.DriftReference;

/**
 * A loaded model that hands out per-task {@link BatchExplainer}s. Thread-safe; owned by the application.
 *
 * <p>The stream never imports the inference engine: the OTNN adapter ({@code OtnnEngine}) implements this
 * interface over explain-core.
 */
public interface ExplanationEngine extends AutoCloseable {

    /** The checkpoint's metadata: identity, input contract and class names. */
    ModelMetadata model();

    /** The reference statistics of the model's checkpoint for the drift figures; none by default. */
    default DriftReference driftReference() {
        return DriftReference.NONE;
    }

    /** A new explainer for one stream task (explainers are not thread-safe). */
    BatchExplainer newExplainer();

    @Override
    void close();
}
