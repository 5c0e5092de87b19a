package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Invertible down-sampling (deel-lip {@code InvertibleDownSampling}): moves each {@code p×p} block of pixels into the
 * channels ({@code space_to_depth}). A permutation of the coordinates: exactly 1-Lipschitz and invertible.
 */
public final class InvertibleDownSampling implements Layer {

    private final int pool;

    public InvertibleDownSampling(int pool) {
        Normalizers.checkRange("pool", pool, 2, 16);
        this.pool = pool;
    }

    @Override
    public long[] build(Ops tf, long[] inputShape, Random random) {
        if (inputShape.length != 3 || inputShape[0] % pool != 0 || inputShape[1] % pool != 0) {
            throw new IllegalArgumentException(
                    "InvertibleDownSampling(" + pool + ") needs [H, W, C] with H and W multiples of " + pool + ", got "
                            + java.util.Arrays.toString(inputShape));
        }
        return new long[] {inputShape[0] / pool, inputShape[1] / pool, inputShape[2] * pool * pool};
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        return tf.nn.spaceToDepth(x, (long) pool);
    }

    @Override
    public boolean constrained() {
        return true;
    }

    @Override
    public String describe() {
        return "InvertibleDownSampling(" + pool + ")";
    }
}
