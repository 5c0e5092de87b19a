package io.otnn.streams.explaining;

import java.util.List;

import io.otnn.explain.checkpoint.ModelMetadata;

/**
 * What the stream needs to know about the model in service: identity, input contract and class names.
 *
 * @param name       model name
 * @param version    model version (monotonic)
 * @param height     input height
 * @param width      input width
 * @param channels   input channels
 * @param min        lowest input value
 * @param max        highest input value
 * @param rawScale   model input = raw byte · rawScale + rawOffset
 * @param rawOffset  see rawScale
 * @param classNames class names, index = class
 */
public record ModelInfo(String name, long version, int height, int width, int channels, double min, double max,
                        double rawScale, double rawOffset, List<String> classNames) {

    public int inputSize() {
        return height * width * channels;
    }

    /** The input contract in the decoder's terms. */
    public ModelMetadata.Input input() {
        return new ModelMetadata.Input(List.of(height, width, channels), min, max, rawScale, rawOffset);
    }

    public String className(int index) {
        return index >= 0 && index < classNames.size() ? classNames.get(index) : Integer.toString(index);
    }
}
