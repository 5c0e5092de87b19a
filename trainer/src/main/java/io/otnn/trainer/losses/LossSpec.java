package io.otnn.trainer.losses;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A loss by its CLI name and hyper-parameters. Defaults are the paper's for Fashion-MNIST (appendix A.2.3:
 * λ = 5, m = 0.5, α = 10).
 */
public record LossSpec(Kind kind, float lambda, float margin, float alpha) {

    public static final float DEFAULT_LAMBDA = 5f;
    public static final float DEFAULT_MARGIN = 0.5f;
    public static final float DEFAULT_ALPHA = 10f;

    public enum Kind {
        /** Binary hKR, Eq. 1 (one logit). */
        HKR("hkr", true),
        /** Multiclass hKR, Eq. 4. */
        HKR_MULTICLASS("hkr-multiclass", true),
        /** Softmax-weighted multiclass hKR, Eq. 5. */
        HKR_SOFTMAX("hkr-softmax", true),
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
                    "unknown loss '" + name + "', valid: hkr, hkr-multiclass, hkr-softmax, cross-entropy");
        }
    }

    public LossSpec {
        if (kind == null) throw new IllegalArgumentException("loss kind is required");
        if (!(lambda >= 0 && lambda <= 1e6))
            throw new IllegalArgumentException("lambda must be in [0, 1e6], got " + lambda);
        if (!(margin > 0 && margin <= 1e4))
            throw new IllegalArgumentException("margin must be in (0, 1e4], got " + margin);
        if (!(alpha > 0 && alpha <= 1e4)) throw new IllegalArgumentException("alpha must be in (0, 1e4], got " + alpha);
    }

    public static LossSpec of(Kind kind) {
        return new LossSpec(kind, DEFAULT_LAMBDA, DEFAULT_MARGIN, DEFAULT_ALPHA);
    }

    /** Builds the batch loss for logits {@code f} and one-hot (binary: 0/1) labels {@code y}. */
    public Operand<TFloat32> build(Ops tf, Operand<TFloat32> f, Operand<TFloat32> y) {
        return switch (kind) {
            case HKR -> Losses.binaryHkr(tf, f, y, lambda, margin);
            case HKR_MULTICLASS -> Losses.multiclassHkr(tf, f, y, lambda, margin);
            case HKR_SOFTMAX -> Losses.softmaxHkr(tf, f, y, lambda, margin, alpha);
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
            case HKR_SOFTMAX -> {
                p.put("lambda", (double) lambda);
                p.put("margin", (double) margin);
                p.put("alpha", (double) alpha);
            }
            case CROSS_ENTROPY -> {}
        }
        return p;
    }
}
