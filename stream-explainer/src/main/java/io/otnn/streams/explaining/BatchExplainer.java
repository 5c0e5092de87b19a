package io.otnn.streams.explaining;

import io.otnn.explain.ImageExplanation;
import java.util.List;

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

    /**
     * A forward pass only (the online fidelity metrics): the logits of {@code n} flattened images.
     *
     * @return {@code [n, K]} logits, row-major
     * @throws ExplainerException when the model call fails
     * @throws UnsupportedOperationException when this engine has no forward pass
     */
    default float[] logits(float[] flatImages, int n) {
        throw new UnsupportedOperationException(getClass().getName() + " has no forward pass");
    }

    @Override
    void close();
}
