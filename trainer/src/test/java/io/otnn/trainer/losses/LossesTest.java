package io.otnn.trainer.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Every loss on fixed inputs against a plain-Java computation of the paper's formula; the hKR losses also against the
 * expected values of deel-lip's and deel-torchlip's own loss tests ({@code tests/test_losses.py}, the numbers only,
 * mapped to the paper's conventions where they differ, as each test says) and a hand computation for a batch where a
 * class is absent; and their gradients against central differences of the plain-Java formulas.
 */
class LossesTest {

    private static final float[][] F = {
        {0.3f, -0.2f, 0.9f, -1.1f},
        {-0.4f, 0.7f, 0.1f, 0.05f},
        {1.2f, -0.6f, -0.3f, 0.4f},
        {0.0f, 0.2f, -0.8f, 0.6f},
        {-0.5f, -0.1f, 0.3f, 0.2f}
    };
    private static final int[] LABELS = {2, 1, 0, 3, 2};
    private static final int K = 4;

    private static Graph graph;
    private static Session session;
    private static Ops tf;

    @BeforeAll
    static void open() {
        graph = new Graph();
        tf = Ops.create(graph);
        session = new Session(graph);
    }

    @AfterAll
    static void close() {
        session.close();
        graph.close();
    }

    private static float[][] oneHot(int[] labels, int k) {
        float[][] y = new float[labels.length][k];
        for (int i = 0; i < labels.length; i++) y[i][labels[i]] = 1f;
        return y;
    }

    private static float eval(Operand<TFloat32> op) {
        try (Result r = session.runner().fetch(op).run()) {
            return ((TFloat32) r.get(0)).getFloat();
        }
    }

    private static double relu(double v) {
        return Math.max(0, v);
    }

    @Test
    void shouldMatchEquationOneWhenBinaryHkr() {
        float[][] f = {{0.4f}, {-0.3f}, {1.2f}, {-0.9f}, {0.1f}, {0.05f}};
        float[][] y = {{1}, {0}, {1}, {1}, {0}, {0}};
        double lambda = 5, m = 0.5;
        double sumPos = 0, sumNeg = 0, hinge = 0;
        int nPos = 0, nNeg = 0;
        for (int i = 0; i < f.length; i++) {
            double yi = y[i][0] > 0 ? 1 : -1;
            if (yi > 0) {
                sumPos += f[i][0];
                nPos++;
            } else {
                sumNeg += f[i][0];
                nNeg++;
            }
            hinge += relu(m - yi * f[i][0]);
        }
        double expected = sumNeg / nNeg - sumPos / nPos + lambda * hinge / f.length;
        float actual = eval(Losses.binaryHkr(tf, tf.constant(f), tf.constant(y), 5f, 0.5f));
        assertThat((double) actual).isCloseTo(expected, within(1e-5));
    }

    @Test
    void shouldMatchEquationFourWhenMulticlassHkr() {
        double lambda = 10, m = 0.5;
        double kr = 0;
        for (int k = 0; k < K; k++) {
            double in = 0, out = 0;
            int nIn = 0, nOut = 0;
            for (int i = 0; i < F.length; i++) {
                if (LABELS[i] == k) {
                    in += F[i][k];
                    nIn++;
                } else {
                    out += F[i][k];
                    nOut++;
                }
            }
            kr += (nOut > 0 ? out / nOut : 0) - (nIn > 0 ? in / nIn : 0);
        }
        double h = 0;
        for (int i = 0; i < F.length; i++) {
            h += relu(m - F[i][LABELS[i]]);
            for (int k = 0; k < K; k++) if (k != LABELS[i]) h += relu(m + F[i][k]);
        }
        double expected = kr + lambda * h / F.length;
        float actual = eval(Losses.multiclassHkr(tf, tf.constant(F), tf.constant(oneHot(LABELS, K)), 10f, 0.5f));
        assertThat((double) actual).isCloseTo(expected, within(1e-5));
    }

    @Test
    void shouldMatchEquationFiveWhenSoftmaxHkr() {
        double lambda = 5, m = 0.5, alpha = 10;
        double total = 0;
        for (int i = 0; i < F.length; i++) {
            int y = LABELS[i];
            double z = 0;
            for (int j = 0; j < K; j++) if (j != y) z += Math.exp(alpha * F[i][j]);
            double kr = -F[i][y];
            double h = relu(m - F[i][y]);
            for (int k = 0; k < K; k++) {
                if (k == y) continue;
                double s = Math.exp(alpha * F[i][k]) / z;
                kr += s * F[i][k];
                h += s * relu(m + F[i][k]);
            }
            total += kr + lambda * h;
        }
        double expected = total / F.length;
        float actual = eval(Losses.softmaxHkr(tf, tf.constant(F), tf.constant(oneHot(LABELS, K)), 5f, 0.5f, 10f));
        assertThat((double) actual).isCloseTo(expected, within(1e-5));
    }

    @Test
    void shouldMatchLogSoftmaxWhenCrossEntropy() {
        double total = 0;
        for (int i = 0; i < F.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (float v : F[i]) max = Math.max(max, v);
            double z = 0;
            for (float v : F[i]) z += Math.exp(v - max);
            total += -(F[i][LABELS[i]] - max - Math.log(z));
        }
        float actual = eval(Losses.crossEntropy(tf, tf.constant(F), tf.constant(oneHot(LABELS, K))));
        assertThat((double) actual).isCloseTo(total / F.length, within(1e-5));
    }

    @Test
    void shouldBeTheLogisticLossWhenCrossEntropyHasOneLogit() {
        double total = 0;
        for (int i = 0; i < BIN_B.length; i++) {
            double sign = BIN_B_Y[i][0] == 1 ? 1 : -1;
            total += Math.log1p(Math.exp(-sign * BIN_B[i][0]));
        }
        float actual = eval(Losses.crossEntropy(tf, tf.constant(BIN_B), tf.constant(BIN_B_Y)));
        assertThat((double) actual).isCloseTo(total / BIN_B.length, within(1e-6));
        // not the softmax of one logit, which is 0 for every batch
        assertThat((double) actual).isGreaterThan(0.1);
    }

    // deel-lip / deel-torchlip test batches: binary y_true1/y_pred1 and y_true1b/y_pred1b, multiclass y_true2/y_pred2
    // (6 samples, 3 classes) and y_true3/y_pred3 (8 samples)
    private static final float[][] BIN_A = {{0.5f}, {1.5f}, {-0.5f}, {-0.5f}, {-1.5f}, {0.5f}};
    private static final float[][] BIN_A_Y = {{1}, {1}, {1}, {0}, {0}, {0}};
    private static final float[][] BIN_B = {{0.5f}, {1.1f}, {-0.1f}, {0.7f}, {-1.3f}, {-0.4f}, {0.2f}, {-0.9f}};
    private static final float[][] BIN_B_Y = {{1}, {1}, {1}, {1}, {0}, {0}, {0}, {0}};
    private static final float[][] MC_2 = {
        {2, 0.2f, -0.5f}, {-1, -1.2f, 0.3f}, {0.8f, 2, 0}, {0, 1, -0.5f}, {2.4f, -0.4f, -1.1f}, {-0.1f, -1.7f, 0.6f}
    };
    private static final int[] MC_2_LABELS = {0, 0, 0, 1, 1, 2};
    private static final float[][] MC_3 = {
        {1.5f, 0.2f, -0.5f},
        {1, -1.2f, 0.3f},
        {0.8f, 2, -2},
        {0, 1, -0.5f},
        {-0.8f, 2, 0},
        {2.4f, -0.4f, -1.1f},
        {-0.1f, -1.7f, 0.6f},
        {1.2f, 1.3f, 2.5f}
    };
    private static final int[] MC_3_LABELS = {0, 0, 0, 1, 1, 1, 2, 2};

    /**
     * deel-lip: KR(y_true1, y_pred1) = 1 and HingeMargin(1)(…) = 4/6 (deel-torchlip: min_margin 2, its hinge uses
     * min_margin/2); on y_true1b/y_pred1b, sum-reduced KR = 9.2, HingeMargin(0.7) = 2.2 and HKR(α 2.5, margin 1) = 0.3,
     * i.e. batch means 9.2/8, 2.2/8, 0.3/8. deel-lip's KR is E_μ f − E_ν f, the opposite sign of Eq. 1's first term,
     * and its HKR is −KR + α·hinge, Eq. 1 with λ = α.
     */
    @Test
    void shouldReproduceDeelLipsBinaryValuesWhenBinaryHkr() {
        assertThat((double) eval(Losses.binaryHkr(tf, tf.constant(BIN_A), tf.constant(BIN_A_Y), 0f, 1f)))
                .isCloseTo(-1.0, within(1e-6));
        double hingeA = eval(Losses.binaryHkr(tf, tf.constant(BIN_A), tf.constant(BIN_A_Y), 1f, 1f)) + 1.0;
        assertThat(hingeA).isCloseTo(4.0 / 6, within(1e-6));
        assertThat((double) eval(Losses.binaryHkr(tf, tf.constant(BIN_B), tf.constant(BIN_B_Y), 0f, 1f)))
                .isCloseTo(-9.2 / 8, within(1e-6));
        double krB = -9.2 / 8;
        assertThat(eval(Losses.binaryHkr(tf, tf.constant(BIN_B), tf.constant(BIN_B_Y), 1f, 0.7f)) - krB)
                .isCloseTo(2.2 / 8, within(1e-6));
        assertThat((double) eval(Losses.binaryHkr(tf, tf.constant(BIN_B), tf.constant(BIN_B_Y), 2.5f, 1f)))
                .isCloseTo(0.3 / 8, within(1e-6));
    }

    /**
     * deel-lip: MulticlassKR = 761/1800 on batch 2 and 698/75 (sum over the 8 samples) on batch 3. deel-lip averages
     * the K per-class terms where Eq. 4 sums them, and takes the opposite sign: Eq. 4 at λ = 0 is −K times its KR.
     */
    @Test
    void shouldReproduceDeelLipsMulticlassKrWhenMulticlassHkrHasNoHinge() {
        Operand<TFloat32> y2 = tf.constant(oneHot(MC_2_LABELS, 3));
        Operand<TFloat32> y3 = tf.constant(oneHot(MC_3_LABELS, 3));
        assertThat((double) eval(Losses.multiclassHkr(tf, tf.constant(MC_2), y2, 0f, 1f)))
                .isCloseTo(-3 * 761.0 / 1800, within(1e-6));
        assertThat((double) eval(Losses.multiclassHkr(tf, tf.constant(MC_3), y3, 0f, 0.5f)))
                .isCloseTo(-3 * 698.0 / 75 / 8, within(1e-6));
    }

    /**
     * deel-lip's MulticlassHKR: α 5, margin 1 on batch 2 gives 1071/200; α 2.5, margin 0.5 on batch 3 gives 152/75
     * (sum over the 8 samples). Its hinge per sample is [(K−1)(m − f_y)₊ + Σ_{k≠y}(m + f_k)₊] / K, Eq. 4's is
     * (m − f_y)₊ + Σ_{k≠y}(m + f_k)₊: so Eq. 4 (λ = α) plus λ(K−2)·mean (m − f_y)₊ is K times deel-lip's value. Both
     * batches have true logits below the margin, so the correction is tested, not zero.
     */
    @Test
    void shouldReproduceDeelLipsMulticlassHkrAfterTheTrueClassWeightWhenMulticlassHkr() {
        assertMulticlassHkrMatchesDeelLip(MC_2, MC_2_LABELS, 5f, 1f, 1071.0 / 200);
        assertMulticlassHkrMatchesDeelLip(MC_3, MC_3_LABELS, 2.5f, 0.5f, 152.0 / 75 / 8);
    }

    private static void assertMulticlassHkrMatchesDeelLip(
            float[][] f, int[] labels, float lambda, float m, double deelLip) {
        int k = f[0].length;
        double own = 0;
        for (int i = 0; i < f.length; i++) own += relu(m - f[i][labels[i]]);
        own /= f.length;
        assertThat(own).isGreaterThan(0);
        double eq4 = eval(Losses.multiclassHkr(tf, tf.constant(f), tf.constant(oneHot(labels, k)), lambda, m));
        assertThat(eq4 + lambda * (k - 2) * own).isCloseTo(k * deelLip, within(1e-5));
    }

    /**
     * Rows 3–6 of batch 3 (labels 1, 1, 1, 2: class 0 absent), by hand: the absent class has no positive mean (its
     * term is E_¬P f_0 = (0 − 0.8 + 2.4 − 0.1)/4 = 0.375), class 1: −1.7 − 2.6/3, class 2: −1.6/3 − 0.6, so the KR
     * term is −3.325; the hinge at m = 0.5 is (0.5 + 0.5 + 3.8 + 0.4)/4 = 1.3. deel-lip's KR treats an absent class the
     * same way (its positive weights S/(n_k + ε) are all 0).
     */
    @Test
    void shouldDropThePositiveMeanOfAClassWhenTheClassIsAbsentFromTheBatch() {
        float[][] f = java.util.Arrays.copyOfRange(MC_3, 3, 7);
        Operand<TFloat32> y = tf.constant(oneHot(new int[] {1, 1, 1, 2}, 3));
        assertThat((double) eval(Losses.multiclassHkr(tf, tf.constant(f), y, 0f, 0.5f)))
                .isCloseTo(-3.325, within(1e-6));
        assertThat((double) eval(Losses.multiclassHkr(tf, tf.constant(f), y, 2.5f, 0.5f)))
                .isCloseTo(-3.325 + 2.5 * 1.3, within(1e-6));
        // binary: a batch of one class has no KR term for the other
        float[][] onlyPositive = {{0.4f}, {1.2f}};
        assertThat((double) eval(Losses.binaryHkr(
                        tf, tf.constant(onlyPositive), tf.constant(new float[][] {{1}, {1}}), 2f, 0.5f)))
                .isCloseTo(-0.8 + 2 * (0.1 / 2), within(1e-6));
    }

    /**
     * Eq. 5 as α → ∞: the softmax weights concentrate on the largest other logit, so the loss per sample tends to
     * max_{k≠y} f_k − f_y + λ[(m − f_y)₊ + (m + max_{k≠y} f_k)₊] (batch 3, no ties among the other logits).
     */
    @Test
    void shouldTendToTheLargestOtherLogitWhenSoftmaxHkrAlphaIsLarge() {
        double lambda = 2.5, m = 0.5;
        double total = 0;
        for (int i = 0; i < MC_3.length; i++) {
            int y = MC_3_LABELS[i];
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < 3; k++) if (k != y) max = Math.max(max, MC_3[i][k]);
            total += max - MC_3[i][y] + lambda * (relu(m - MC_3[i][y]) + relu(m + max));
        }
        float actual =
                eval(Losses.softmaxHkr(tf, tf.constant(MC_3), tf.constant(oneHot(MC_3_LABELS, 3)), 2.5f, 0.5f, 1000f));
        assertThat((double) actual).isCloseTo(total / MC_3.length, within(1e-5));
    }

    /**
     * deel-lip's MulticlassSoftHKR written out sample by sample (losses.py: signed logits s_k = ±f_k, weights 1 for the
     * true class and a softmax of t·f over the others, loss Σ_k w_k (−s_k) / α_deel + Σ_k w_k (m/2 − s_k)₊), with
     * t = clip(T·m / max(m, μ), 0.005, 250).
     */
    static double deelSoftHkr(
            double[][] f, int[] y, double alphaDeel, double minMargin, double temperature, double mu) {
        double t = Math.min(250, Math.max(0.005, temperature * minMargin / Math.min(20000, Math.max(minMargin, mu))));
        double total = 0;
        for (int i = 0; i < f.length; i++) {
            int k = f[i].length;
            double z = 0;
            for (int j = 0; j < k; j++) if (j != y[i]) z += Math.exp(t * f[i][j]);
            double a = 0, b = 0;
            for (int j = 0; j < k; j++) {
                double w = j == y[i] ? 1 : Math.exp(t * f[i][j]) / z;
                double signed = j == y[i] ? f[i][j] : -f[i][j];
                a += w * -signed;
                b += w * relu(minMargin / 2 - signed);
            }
            total += a / alphaDeel + b;
        }
        return total / f.length;
    }

    private static double meanAbs(float[][] f) {
        double s = 0;
        int n = 0;
        for (float[] row : f) {
            for (float v : row) {
                s += Math.abs(v);
                n++;
            }
        }
        return s / n;
    }

    private static double[][] toDouble(float[][] f) {
        double[][] d = new double[f.length][];
        for (int i = 0; i < f.length; i++) {
            d[i] = new double[f[i].length];
            for (int j = 0; j < f[i].length; j++) d[i][j] = f[i][j];
        }
        return d;
    }

    @Test
    void shouldMatchDeelLipsMulticlassSoftHkrWhenHkrSoftHasAGivenRunningMean() {
        // μ = 0.2 (the start: t = T = 10), 0.8 (t = 2.5) and 1e-4 (clipped to m: t = 10 again)
        for (double mu : new double[] {0.2, 0.8, 1e-4}) {
            double expected = deelSoftHkr(toDouble(F), LABELS, 50, 0.2, 10, mu);
            float actual = eval(Losses.softHkr(
                    tf, tf.constant(F), tf.constant(oneHot(LABELS, K)), 50f, 0.2f, 10f, tf.constant((float) mu)));
            assertThat((double) actual).as("μ = %s", mu).isCloseTo(expected, within(1e-6));
        }
    }

    @Test
    void shouldAdaptTheTemperatureToTheRunningMeanOfTheLogitsWhenHkrSoftTrainsSteps() {
        LossSpec spec = LossSpec.of(LossSpec.Kind.fromCli("hkr-soft"));
        assertThat(spec.parameters())
                .containsEntry("lambda", 50.0)
                .containsEntry("margin", (double) 0.2f)
                .containsEntry("alpha", 10.0);
        Placeholder<TFloat32> p = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(F.length, K)));
        java.util.List<org.tensorflow.op.Op> updates = new java.util.ArrayList<>();
        Operand<TFloat32> loss = spec.build(tf.withSubScope("soft_steps"), p, tf.constant(oneHot(LABELS, K)), updates);
        assertThat(updates).hasSize(1);
        session.initialize();
        float[][] second = new float[F.length][K];
        for (int i = 0; i < F.length; i++) for (int j = 0; j < K; j++) second[i][j] = 4 * F[i][j] + 0.5f;
        double mu = 0.2f;
        for (float[][] batch : new float[][][] {F, second, second}) {
            mu = 0.99 * mu + 0.01 * meanAbs(batch);
            double expected = deelSoftHkr(toDouble(batch), LABELS, 50, 0.2f, 10, mu);
            float[] flat = new float[F.length * K];
            for (int i = 0; i < F.length; i++) System.arraycopy(batch[i], 0, flat, i * K, K);
            try (TFloat32 in = new io.otnn.trainer.layers.Param(new long[] {F.length, K}, flat).toTensor()) {
                Session.Runner r = session.runner().feed(p, in).fetch(loss);
                updates.forEach(r::addTarget);
                try (Result res = r.run()) {
                    assertThat((double) ((TFloat32) res.get(0)).getFloat())
                            .as("step with μ = %s", mu)
                            .isCloseTo(expected, within(1e-6));
                }
            }
        }
        assertThat(mu).as("the running mean moved").isGreaterThan(0.2 + 0.01);
    }

    // plain-Java formulas in double, for the finite differences

    static double eq1(double[][] f, int[] y, double lambda, double m) {
        double sumPos = 0, sumNeg = 0, hinge = 0;
        int nPos = 0, nNeg = 0;
        for (int i = 0; i < f.length; i++) {
            double s = y[i] == 1 ? 1 : -1;
            if (s > 0) {
                sumPos += f[i][0];
                nPos++;
            } else {
                sumNeg += f[i][0];
                nNeg++;
            }
            hinge += relu(m - s * f[i][0]);
        }
        return (nNeg > 0 ? sumNeg / nNeg : 0) - (nPos > 0 ? sumPos / nPos : 0) + lambda * hinge / f.length;
    }

    static double eq4(double[][] f, int[] y, double lambda, double m) {
        int k = f[0].length;
        double kr = 0;
        for (int c = 0; c < k; c++) {
            double in = 0, out = 0;
            int nIn = 0, nOut = 0;
            for (int i = 0; i < f.length; i++) {
                if (y[i] == c) {
                    in += f[i][c];
                    nIn++;
                } else {
                    out += f[i][c];
                    nOut++;
                }
            }
            kr += (nOut > 0 ? out / nOut : 0) - (nIn > 0 ? in / nIn : 0);
        }
        double h = 0;
        for (int i = 0; i < f.length; i++) {
            h += relu(m - f[i][y[i]]);
            for (int c = 0; c < k; c++) if (c != y[i]) h += relu(m + f[i][c]);
        }
        return kr + lambda * h / f.length;
    }

    static double eq5(double[][] f, int[] y, double lambda, double m, double alpha) {
        double total = 0;
        for (int i = 0; i < f.length; i++) {
            double z = 0;
            for (int j = 0; j < f[i].length; j++) if (j != y[i]) z += Math.exp(alpha * f[i][j]);
            double kr = -f[i][y[i]];
            double h = relu(m - f[i][y[i]]);
            for (int c = 0; c < f[i].length; c++) {
                if (c == y[i]) continue;
                double s = Math.exp(alpha * f[i][c]) / z;
                kr += s * f[i][c];
                h += s * relu(m + f[i][c]);
            }
            total += kr + lambda * h;
        }
        return total / f.length;
    }

    interface Formula {
        double at(double[][] f);
    }

    interface GraphLoss {
        Operand<TFloat32> build(Operand<TFloat32> f);
    }

    /** The TF gradient of {@code loss} at {@code f} against central differences (h = 1e-5) of {@code reference}. */
    private static void assertGradientMatchesFiniteDifferences(
            double[][] f, GraphLoss loss, Formula reference, String what) {
        int n = f.length;
        int k = f[0].length;
        Placeholder<TFloat32> p = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(n, k)));
        Operand<TFloat32> l = loss.build(p);
        Output<?> g = graph.addGradients(l.asOutput(), new Output<?>[] {p.asOutput()})[0];
        float[] flat = new float[n * k];
        for (int i = 0; i < n; i++) for (int j = 0; j < k; j++) flat[i * k + j] = (float) f[i][j];
        float[] grad;
        try (TFloat32 in = new io.otnn.trainer.layers.Param(new long[] {n, k}, flat).toTensor();
                Result r = session.runner().feed(p, in).fetch(g).run()) {
            grad = io.otnn.trainer.layers.Param.of((TFloat32) r.get(0)).values();
        }
        double h = 1e-5;
        double largest = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                double[][] plus = copy(f);
                double[][] minus = copy(f);
                plus[i][j] += h;
                minus[i][j] -= h;
                double fd = (reference.at(plus) - reference.at(minus)) / (2 * h);
                largest = Math.max(largest, Math.abs(fd));
                assertThat((double) grad[i * k + j])
                        .as("%s ∂/∂f[%d][%d]", what, i, j)
                        .isCloseTo(fd, within(2e-5));
            }
        }
        assertThat(largest).as("%s has a gradient to compare", what).isGreaterThan(0.01);
    }

    private static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }

    /** Gaussian logits, none within 1e-3 of a hinge kink (|m ± f| ≥ 1e-3), so that the losses are smooth there. */
    private static double[][] smoothLogits(int n, int k, double m, long seed) {
        Random random = new Random(seed);
        double[][] f = new double[n][k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                double v;
                do {
                    v = (float) random.nextGaussian();
                } while (Math.abs(m - v) < 1e-3 || Math.abs(m + v) < 1e-3);
                f[i][j] = v;
            }
        }
        return f;
    }

    @Test
    void shouldHaveTheGradientOfTheFormulasWhenTheLossesAreDifferentiated() {
        double m = 0.5;
        // 12 samples, 5 classes, class 4 absent
        int[] labels = {0, 1, 2, 3, 0, 1, 2, 3, 0, 2, 1, 3};
        double[][] f = smoothLogits(labels.length, 5, m, 21);
        Operand<TFloat32> y = tf.constant(oneHot(labels, 5));
        assertGradientMatchesFiniteDifferences(
                f, p -> Losses.multiclassHkr(tf, p, y, 5f, 0.5f), x -> eq4(x, labels, 5, m), "Eq. 4");
        assertGradientMatchesFiniteDifferences(
                f, p -> Losses.softmaxHkr(tf, p, y, 5f, 0.5f, 10f), x -> eq5(x, labels, 5, m, 10), "Eq. 5");
        double[][] fs = smoothLogits(labels.length, 5, 0.1, 23);
        assertGradientMatchesFiniteDifferences(
                fs,
                p -> Losses.softHkr(tf, p, y, 50f, 0.2f, 10f, tf.constant(0.5f)),
                x -> deelSoftHkr(x, labels, 50, 0.2f, 10, 0.5),
                "MulticlassSoftHKR");
        int[] binary = {1, 0, 0, 1, 1, 0, 1, 0, 0, 0};
        double[][] fb = smoothLogits(binary.length, 1, m, 22);
        float[][] yb = new float[binary.length][1];
        for (int i = 0; i < binary.length; i++) yb[i][0] = binary[i];
        Operand<TFloat32> ybOp = tf.constant(yb);
        assertGradientMatchesFiniteDifferences(
                fb, p -> Losses.binaryHkr(tf, p, ybOp, 5f, 0.5f), x -> eq1(x, binary, 5, m), "Eq. 1");
    }

    @Test
    void shouldUseTheSpecWhenBuiltFromCliName() {
        LossSpec spec = LossSpec.of(LossSpec.Kind.fromCli("hkr-softmax"));
        float viaSpec = eval(spec.build(tf, tf.constant(F), tf.constant(oneHot(LABELS, K))));
        float direct = eval(Losses.softmaxHkr(tf, tf.constant(F), tf.constant(oneHot(LABELS, K)), 5f, 0.5f, 10f));
        assertThat(viaSpec).isEqualTo(direct);
        assertThat(spec.parameters())
                .containsEntry("alpha", 10.0)
                .containsEntry("lambda", 5.0)
                .containsEntry("margin", 0.5);
    }

    @Test
    void shouldNameTheValidRangeWhenHyperParameterIsOutOfRange() {
        assertThatThrownBy(() -> new LossSpec(LossSpec.Kind.HKR, -1f, 0.5f, 10f))
                .hasMessageContaining("lambda must be in [0, 1e6]");
        assertThatThrownBy(() -> new LossSpec(LossSpec.Kind.HKR, 1f, 0f, 10f))
                .hasMessageContaining("margin must be in (0, 1e4]");
        assertThatThrownBy(() -> LossSpec.Kind.fromCli("hinge"))
                .hasMessageContaining("valid: hkr, hkr-multiclass, hkr-softmax, hkr-soft, cross-entropy");
        assertThatThrownBy(() -> new LossSpec(LossSpec.Kind.HKR_SOFT, 0f, 0.2f, 10f))
                .hasMessageContaining("lambda of hkr-soft must be > 0");
    }
}
