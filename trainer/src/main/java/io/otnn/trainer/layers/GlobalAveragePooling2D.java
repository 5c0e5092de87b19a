package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Plain global average pooling (the baselines' counterpart of {@link ScaledGlobalAveragePooling2D}); Lipschitz 1/√(H·W). */
public final class GlobalAveragePooling2D implements Layer {

    private double lipschitz;

    @Override
    public long[] build(Ops tf, long[] inputShape, Random random) {
        lipschitz = 1.0 / Math.sqrt(inputShape[0] * inputShape[1]);
        return new long[] {inputShape[2]};
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        return tf.math.mean(x, tf.constant(new int[] {1, 2}));
    }

    @Override
    public double lipschitzBound(List<Param> params) {
        return lipschitz;
    }

    @Override
    public boolean constrained() {
        return false;
    }

    @Override
    public String describe() {
        return "GlobalAveragePooling2D";
    }
}
