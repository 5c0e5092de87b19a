package io.otnn.trainer.layers;

import java.util.Arrays;

/** The output shape of a non-overlapping {@code pool × pool} pooling of {@code [H, W, C]} inputs ("VALID"). */
final class PooledShape {

    private PooledShape() {}

    static long[] of(String layer, long[] inputShape, int pool) {
        if (inputShape.length != 3) {
            throw new IllegalArgumentException(layer + " needs [H, W, C] inputs, got " + Arrays.toString(inputShape));
        }
        return new long[] {inputShape[0] / pool, inputShape[1] / pool, inputShape[2]};
    }
}
