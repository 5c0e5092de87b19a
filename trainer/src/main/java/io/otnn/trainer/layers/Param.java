package io.otnn.trainer.layers;

import java.util.Arrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/** A frozen parameter: shape and row-major values, as fetched from the training graph. */
public record Param(long[] shape, float[] values) {

    public static Param of(TFloat32 tensor) {
        long[] shape = tensor.shape().asArray();
        float[] values = new float[(int) tensor.size()];
        tensor.read(DataBuffers.of(values, false, false));
        return new Param(shape, values);
    }

    public TFloat32 toTensor() {
        return TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
    }

    public int rows() {
        return (int) (values.length / shape[shape.length - 1]);
    }

    public int cols() {
        return (int) shape[shape.length - 1];
    }

    @Override
    public String toString() {
        return "Param" + Arrays.toString(shape);
    }
}
