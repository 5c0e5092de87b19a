package io.otnn.trainer.losses;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * A loss by its CLI name and hyper-parameters. Defaults are the paper's for Fashion-MNIST (appendix A.2.3:
 * λ = 5, m = 0.5, α = 10), except for {@code hkr-soft}, whose defaults are deel-lip's demo 4 (λ = 50, m = 0.2,
 * α = 10: its {@code MulticlassSoftHKR(alpha=50, min_margin=0.2, temperature=10)}).
 */
public record LossSpec(Kind kind, float lambda, float margin, float alpha) {

    public static final float DEFAULT_LAMBDA = 5f;
    public static final float DEFAULT_MARGIN = 0.5f;
    public static final float DEFAULT_ALPHA = 10f;
    /** deel-lip demo 4: {@code MulticlassSoftHKR(alpha=50, min_margin=0.2, temperature=10)}. */
    public static final float SOFT_HKR_LAMBDA = 50f;

    public static final float SOFT_HKR_MARGIN = 0.2f;
    public static final float SOFT_HKR_ALPHA = 10f;
    /** Weight of the past in the running mean of |f| that sets hkr-soft's temperature (deel-lip's alpha_mean). */
    public static final float SOFT_HKR_MEAN_DECAY = 0.99f;

    public enum Kind {
        /** Binary hKR, Eq. 1 (one logit). */
        HKR("hkr", true),
        /** Multiclass hKR, Eq. 4. */
        HKR_MULTICLASS("hkr-multiclass", true),
        /** Softmax-weighted multiclass hKR, Eq. 5. */
        HKR_SOFTMAX("hkr-softmax", true),
        /** deel-lip's MulticlassSoftHKR: Eq. 5 scaled by 1/λ, margin m/2, temperature adapted to the mean |f|. */
        HKR_SOFT("hkr-soft", true),
        /** Categorical cross-entropy (baselines). */
        CROSS_ENTROPY("cross-entropy", false);

        private final String cliName;
        private final boolean lipschitz;

        Kind(String cliName, boolean lipschitz) {
            this.cliName = cliName;
            this.lipschitz = lipschitz;
        }

        public String cliName() {
            return cliName;
        }

        /** True for the hKR family, which needs a 1-Lipschitz network. */
        public boolean lipschitz() {
            return lipschitz;
        }

        public static Kind fromCli(String name) {
            for (Kind k : values()) {
                if (k.cliName.equals(name.toLowerCase(Locale.ROOT))) return k;
            }
            throw new IllegalArgumentException(
                    "unknown loss '" + name + "', valid: hkr, hkr-multiclass, hkr-softmax, hkr-soft, cross-entropy");
        }
    }

    public LossSpec {
        if (kind == null) throw new IllegalArgumentException("loss kind is required");
        if (!(lambda >= 0 && lambda <= 1e6))
            throw new IllegalArgumentException("lambda must be in [0, 1e6], got " + lambda);
        if (!(margin > 0 && margin <= 1e4))
            throw new IllegalArgumentException("margin must be in (0, 1e4], got " + margin);
        if (!(alpha > 0 && alpha <= 1e4)) throw new IllegalArgumentException("alpha must be in (0, 1e4], got " + alpha);
        if (kind == Kind.HKR_SOFT && !(lambda > 0))
            throw new IllegalArgumentException("lambda of hkr-soft must be > 0 (the KR term is divided by it), got 0");
    }

    /** The loss with its defaults: the paper's, or deel-lip demo 4's for {@code hkr-soft}. */
    public static LossSpec of(Kind kind) {
        return kind == Kind.HKR_SOFT
                ? new LossSpec(kind, SOFT_HKR_LAMBDA, SOFT_HKR_MARGIN, SOFT_HKR_ALPHA)
                : new LossSpec(kind, DEFAULT_LAMBDA, DEFAULT_MARGIN, DEFAULT_ALPHA);
    }

    /**
     * Builds the batch loss for logits {@code f} and one-hot (binary: 0/1) labels {@code y}, for evaluation: the
     * running mean of hkr-soft's temperature stays at its initial value m.
     */
    public Operand<TFloat32> build(Ops tf, Operand<TFloat32> f, Operand<TFloat32> y) {
        return build(tf, f, y, new java.util.ArrayList<>());
    }

    /**
     * Builds the batch loss of a training step. hkr-soft keeps a running mean μ of |f| in a variable
     * ({@code loss_running_mean}, initially m): each step uses μ' = 0.99 μ + 0.01 mean|f| and the op stored into
     * {@code updates} writes μ' after the loss is computed (deel-lip's {@code _update_mean}).
     */
    public Operand<TFloat32> build(Ops tf, Operand<TFloat32> f, Operand<TFloat32> y, List<Op> updates) {
        return switch (kind) {
            case HKR -> Losses.binaryHkr(tf, f, y, lambda, margin);
            case HKR_MULTICLASS -> Losses.multiclassHkr(tf, f, y, lambda, margin);
            case HKR_SOFTMAX -> Losses.softmaxHkr(tf, f, y, lambda, margin, alpha);
            case HKR_SOFT -> {
                Variable<TFloat32> running = tf.withName("loss_running_mean").variable(tf.constant(margin));
                Operand<TFloat32> batchMean =
                        tf.stopGradient(tf.math.mean(tf.math.abs(f), tf.constant(new int[] {0, 1})));
                Operand<TFloat32> next = tf.math.add(
                        tf.math.mul(tf.constant(SOFT_HKR_MEAN_DECAY), running),
                        tf.math.mul(tf.constant(1 - SOFT_HKR_MEAN_DECAY), batchMean));
                Operand<TFloat32> loss = Losses.softHkr(tf, f, y, lambda, margin, alpha, next);
                updates.add(tf.withControlDependencies(List.of(loss)).assign(running, next));
                yield loss;
            }
            case CROSS_ENTROPY -> Losses.crossEntropy(tf, f, y);
        };
    }

    /** Parameters as stored in {@code otnn-model.json}. */
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        switch (kind) {
            case HKR, HKR_MULTICLASS -> {
                p.put("lambda", (double) lambda);
                p.put("margin", (double) margin);
            }
            case HKR_SOFTMAX, HKR_SOFT -> {
                p.put("lambda", (double) lambda);
                p.put("margin", (double) margin);
                p.put("alpha", (double) alpha);
            }
            case CROSS_ENTROPY -> {}
        }
        return p;
    }
}
