package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * L2-norm pooling over non-overlapping {@code p×p} windows, scaled to be 1-Lipschitz (deel-lip
 * {@code ScaledL2NormPooling2D}): y = √(p² · avgpool(x²) + ε). Each output is the L2 norm of its window, and windows
 * are disjoint, so ‖y(x) − y(x')‖ ≤ ‖x − x'‖.
 */
public final class ScaledL2NormPooling2D implements Layer {

    /** Keeps the square root differentiable at 0 (deel-lip uses the same kind of ε). */
    public static final float DEFAULT_EPS = 1e-6f;

    private final int pool;

    public ScaledL2NormPooling2D(int pool) {
        Normalizers.checkRange("pool", pool, 1, 16);
        this.pool = pool;
    }

    @Override
    public long[] build(Ops tf, long[] inputShape, Random random) {
        return PooledShape.of("ScaledL2NormPooling2D", inputShape, pool);
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        List<Long> window = List.of(1L, (long) pool, (long) pool, 1L);
        Operand<TFloat32> mean = tf.nn.avgPool(tf.math.square(x), window, window, "VALID");
        return tf.math.sqrt(
                tf.math.add(tf.math.mul(mean, tf.constant((float) (pool * pool))), tf.constant(DEFAULT_EPS)));
    }

    @Override
    public boolean constrained() {
        return true;
    }

    @Override
    public String describe() {
        return "ScaledL2NormPooling2D(" + pool + ")";
    }
}
