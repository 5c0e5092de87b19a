package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Global average pooling multiplied by √(H·W) (deel-lip {@code ScaledGlobalAveragePooling2D}): the mean over H·W
 * positions has norm 1/√(H·W), so the scaled layer is exactly 1-Lipschitz. Output {@code [C]}.
 */
public final class ScaledGlobalAveragePooling2D implements Layer {

    private float scale;

    @Override
    public long[] build(Ops tf, long[] inputShape, Random random) {
        if (inputShape.length != 3) {
            throw new IllegalArgumentException("ScaledGlobalAveragePooling2D needs [H, W, C] inputs, got "
                    + java.util.Arrays.toString(inputShape));
        }
        scale = (float) Math.sqrt(inputShape[0] * inputShape[1]);
        return new long[] {inputShape[2]};
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        return tf.math.mul(tf.math.mean(x, tf.constant(new int[] {1, 2})), tf.constant(scale));
    }

    @Override
    public boolean constrained() {
        return true;
    }

    @Override
    public String describe() {
        return "ScaledGlobalAveragePooling2D";
    }
}
