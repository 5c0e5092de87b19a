package io.otnn.streams.explaining;

import java.util.List;

import io.otnn.explain.ImageExplanation;

/**
 * Explains a batch of decoded images with one model call. Not thread-safe: one per stream task.
 */
public interface BatchExplainer extends AutoCloseable {

    /**
     * @param images decoded images, each HWC in the model's input range, length {@code model().input().size()}
     * @return one result per image, in order
     * @throws ExplainerException when the model call fails
     */
    List<ImageExplanation> explain(float[][] images);

    @Override
    void close();
}
