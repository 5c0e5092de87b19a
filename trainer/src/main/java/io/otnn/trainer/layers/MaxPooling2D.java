package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Max pooling over non-overlapping {@code p×p} windows ({@code VALID}), the unconstrained twins' down-sampling. Each
 * output depends on one window and |max(a) − max(b)| ≤ ‖a − b‖, so the layer is 1-Lipschitz, but it is not used in the
 * OTNNs: its gradient keeps one pixel per window, the L2-norm pooling keeps all of them.
 */
public final class MaxPooling2D implements Layer {

    private final int pool;

    public MaxPooling2D(int pool) {
        Normalizers.checkRange("pool", pool, 1, 16);
        this.pool = pool;
    }

    @Override
    public long[] build(Ops tf, long[] inputShape, Random random) {
        return PooledShape.of("MaxPooling2D", inputShape, pool);
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        return tf.nn.maxPool(
                x, tf.constant(new int[] {1, pool, pool, 1}), tf.constant(new int[] {1, pool, pool, 1}), "VALID");
    }

    @Override
    public boolean constrained() {
        return false;
    }

    @Override
    public String describe() {
        return "MaxPooling2D(" + pool + ")";
    }
}
