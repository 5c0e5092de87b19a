package io.otnn.trainer.layers;

import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** Variables initialised from Java arrays. */
final class Vars {
    private Vars() {}

    static Variable<TFloat32> create(Ops tf, String name, long[] shape, float[] init) {
        return tf.withName(name).variable(tf.constant(Shape.of(shape), DataBuffers.of(init, true, false)));
    }

    static long product(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
