package io.otnn.trainer.losses;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The losses as pure functions of the logits {@code f} {@code [N, K]} and one-hot labels {@code y} {@code [N, K]}
 * (binary: {@code K = 1}, y ∈ {0, 1} meaning class −1/+1). Each returns the scalar batch loss.
 */
public final class Losses {

    /** Used to remove the true class from a softmax: exp(α f − BIG) is 0 in float32. */
    private static final float MASK = 1e9f;

    private Losses() {}

    /**
     * Binary hKR, paper Eq. 1: E_{x∼ν}[f(x)] − E_{x∼μ}[f(x)] + λ E_{(x,y)∼P}[(m − y f(x))₊], with μ the class y = +1
     * (label 1) and ν the class y = −1 (label 0); the expectations are batch means (0 when a class is absent).
     */
    public static Operand<TFloat32> binaryHkr(
            Ops tf, Operand<TFloat32> f, Operand<TFloat32> y01, float lambda, float margin) {
        Operand<TFloat32> pos = y01;
        Operand<TFloat32> neg = tf.math.sub(tf.constant(1f), y01);
        Operand<TFloat32> kr = tf.math.sub(maskedMean(tf, f, neg), maskedMean(tf, f, pos));
        Operand<TFloat32> sign = tf.math.sub(tf.math.mul(tf.constant(2f), y01), tf.constant(1f));
        Operand<TFloat32> hinge =
                tf.math.mean(tf.nn.relu(tf.math.sub(tf.constant(margin), tf.math.mul(sign, f))), all(tf));
        return tf.math.add(kr, tf.math.mul(tf.constant(lambda), hinge));
    }

    /**
     * Multiclass hKR, paper Eq. 4 (Serrurier et al. 2021): Σ_k [E_{x∼¬P_k} f_k(x) − E_{x∼P_k} f_k(x)]
     * + λ E[(m − f_y(x))₊ + Σ_{k≠y} (m + f_k(x))₊]; the expectations per class are batch means over the samples of
     * (resp. not of) class k, 0 when there are none.
     */
    public static Operand<TFloat32> multiclassHkr(
            Ops tf, Operand<TFloat32> f, Operand<TFloat32> y, float lambda, float margin) {
        Operand<TFloat32> notY = tf.math.sub(tf.constant(1f), y);
        Operand<TFloat32> kr = tf.reduceSum(tf.math.sub(columnMean(tf, f, notY), columnMean(tf, f, y)), tf.constant(0));
        Operand<TFloat32> hinge = tf.math.mean(hingeTerms(tf, f, y, notY, margin, null), tf.constant(0));
        return tf.math.add(kr, tf.math.mul(tf.constant(lambda), hinge));
    }

    /**
     * Softmax-weighted multiclass hKR, paper Eq. 5 (sample-wise): with σ_k = e^{α f_k} / Σ_{j≠y} e^{α f_j} (k ≠ y),
     * L = Σ_{k≠y} σ_k f_k − f_y + λ [(m − f_y)₊ + Σ_{k≠y} σ_k (m + f_k)₊], averaged over the batch. The gradient flows
     * through the weights σ as well (the formula, as written, is the loss).
     */
    public static Operand<TFloat32> softmaxHkr(
            Ops tf, Operand<TFloat32> f, Operand<TFloat32> y, float lambda, float margin, float alpha) {
        Operand<TFloat32> notY = tf.math.sub(tf.constant(1f), y);
        Operand<TFloat32> sigma = tf.math.mul(
                tf.nn.softmax(tf.math.sub(tf.math.mul(tf.constant(alpha), f), tf.math.mul(tf.constant(MASK), y))),
                notY);
        Operand<TFloat32> fy = tf.reduceSum(tf.math.mul(f, y), tf.constant(1));
        Operand<TFloat32> kr = tf.math.sub(tf.reduceSum(tf.math.mul(sigma, f), tf.constant(1)), fy);
        Operand<TFloat32> hinge = hingeTerms(tf, f, y, notY, margin, sigma);
        return tf.math.mean(tf.math.add(kr, tf.math.mul(tf.constant(lambda), hinge)), tf.constant(0));
    }

    /**
     * deel-lip's {@code MulticlassSoftHKR} (the loss of its Fashion-MNIST demo 4), per sample, with the weights
     * w_y = 1 and w_k = e^{t f_k} / Σ_{j≠y} e^{t f_j} (k ≠ y): L = (1/λ) [Σ_{k≠y} w_k f_k − f_y] + (m/2 − f_y)₊
     * + Σ_{k≠y} w_k (m/2 + f_k)₊, averaged over the batch. deel-lip's {@code alpha} is λ here, its {@code min_margin}
     * is m (the hinge asks for half of it on each side), and its temperature t = clip(α·m / μ, 0.005, 250) is held
     * constant for the gradient, with μ = max(m, {@code runningMean}) and {@code runningMean} the running mean of
     * |f| (see {@link LossSpec}). Eq. 5 scaled by 1/λ, with a margin m/2 and an adaptive temperature.
     */
    public static Operand<TFloat32> softHkr(
            Ops tf,
            Operand<TFloat32> f,
            Operand<TFloat32> y,
            float lambda,
            float margin,
            float alpha,
            Operand<TFloat32> runningMean) {
        Operand<TFloat32> mean =
                tf.math.minimum(tf.math.maximum(runningMean, tf.constant(margin)), tf.constant(20000f));
        Operand<TFloat32> t = tf.stopGradient(tf.math.minimum(
                tf.math.maximum(tf.math.div(tf.constant(alpha * margin), mean), tf.constant(0.005f)),
                tf.constant(250f)));
        Operand<TFloat32> notY = tf.math.sub(tf.constant(1f), y);
        Operand<TFloat32> sigma =
                tf.math.mul(tf.nn.softmax(tf.math.sub(tf.math.mul(t, f), tf.math.mul(tf.constant(MASK), y))), notY);
        Operand<TFloat32> fy = tf.reduceSum(tf.math.mul(f, y), tf.constant(1));
        Operand<TFloat32> kr = tf.math.sub(tf.reduceSum(tf.math.mul(sigma, f), tf.constant(1)), fy);
        Operand<TFloat32> hinge = hingeTerms(tf, f, y, notY, margin / 2, sigma);
        return tf.math.mean(tf.math.add(tf.math.mul(tf.constant(1f / lambda), kr), hinge), tf.constant(0));
    }

    /** Categorical cross-entropy of softmax(f), the baselines' loss. */
    public static Operand<TFloat32> crossEntropy(Ops tf, Operand<TFloat32> f, Operand<TFloat32> y) {
        if (f.shape().numDimensions() == 2 && f.shape().size(1) == 1) return binaryCrossEntropy(tf, f, y);
        return tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(f, y).loss(), tf.constant(0));
    }

    /**
     * One logit f per sample (binary data, y ∈ {0, 1}): the logistic loss log(1 + exp(−s·f)) with s = 2y − 1, i.e. the
     * sigmoid cross-entropy of P(class 1) = σ(f). The softmax of a single logit is 1 whatever f, so the multiclass
     * form would train nothing.
     */
    public static Operand<TFloat32> binaryCrossEntropy(Ops tf, Operand<TFloat32> f, Operand<TFloat32> y) {
        // max(f, 0) − f·y + log(1 + exp(−|f|)): the same value without overflow for large |f|
        Operand<TFloat32> perSample = tf.math.add(
                tf.math.sub(tf.nn.relu(f), tf.math.mul(f, y)), tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(f)))));
        return tf.math.mean(perSample, tf.constant(new int[] {0, 1}));
    }

    /** Per sample: (m − f_y)₊ + Σ_{k≠y} w_k (m + f_k)₊, with w = 1 (Eq. 4) or σ (Eq. 5). */
    private static Operand<TFloat32> hingeTerms(
            Ops tf,
            Operand<TFloat32> f,
            Operand<TFloat32> y,
            Operand<TFloat32> notY,
            float margin,
            Operand<TFloat32> weights) {
        Operand<TFloat32> m = tf.constant(margin);
        Operand<TFloat32> fy = tf.reduceSum(tf.math.mul(f, y), tf.constant(1));
        Operand<TFloat32> own = tf.nn.relu(tf.math.sub(m, fy));
        Operand<TFloat32> others = tf.math.mul(tf.nn.relu(tf.math.add(m, f)), weights == null ? notY : weights);
        return tf.math.add(own, tf.reduceSum(others, tf.constant(1)));
    }

    /** Per column k: Σ_i f_ik w_ik / max(1, Σ_i w_ik). */
    private static Operand<TFloat32> columnMean(Ops tf, Operand<TFloat32> f, Operand<TFloat32> w) {
        Operand<TFloat32> sum = tf.reduceSum(tf.math.mul(f, w), tf.constant(0));
        Operand<TFloat32> count = tf.math.maximum(tf.reduceSum(w, tf.constant(0)), tf.constant(1f));
        return tf.math.div(sum, count);
    }

    private static Operand<TFloat32> maskedMean(Ops tf, Operand<TFloat32> f, Operand<TFloat32> w) {
        Operand<TFloat32> sum = tf.reduceSum(tf.math.mul(f, w), all(tf));
        Operand<TFloat32> count = tf.math.maximum(tf.reduceSum(w, all(tf)), tf.constant(1f));
        return tf.math.div(sum, count);
    }

    private static Operand<org.tensorflow.types.TInt32> all(Ops tf) {
        return tf.constant(new int[] {0, 1});
    }
}
