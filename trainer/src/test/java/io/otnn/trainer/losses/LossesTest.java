package io.otnn.trainer.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Every loss on fixed inputs against a plain-Java computation of the paper's formula. */
class LossesTest {

    private static final float[][] F = {
            {0.3f, -0.2f, 0.9f, -1.1f},
            {-0.4f, 0.7f, 0.1f, 0.05f},
            {1.2f, -0.6f, -0.3f, 0.4f},
            {0.0f, 0.2f, -0.8f, 0.6f},
            {-0.5f, -0.1f, 0.3f, 0.2f}};
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
            if (yi > 0) { sumPos += f[i][0]; nPos++; } else { sumNeg += f[i][0]; nNeg++; }
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
                if (LABELS[i] == k) { in += F[i][k]; nIn++; } else { out += F[i][k]; nOut++; }
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
    void shouldUseTheSpecWhenBuiltFromCliName() {
        LossSpec spec = LossSpec.of(LossSpec.Kind.fromCli("hkr-softmax"));
        float viaSpec = eval(spec.build(tf, tf.constant(F), tf.constant(oneHot(LABELS, K))));
        float direct = eval(Losses.softmaxHkr(tf, tf.constant(F), tf.constant(oneHot(LABELS, K)), 5f, 0.5f, 10f));
        assertThat(viaSpec).isEqualTo(direct);
        assertThat(spec.parameters()).containsEntry("alpha", 10.0).containsEntry("lambda", 5.0).containsEntry("margin", 0.5);
    }

    @Test
    void shouldNameTheValidRangeWhenHyperParameterIsOutOfRange() {
        assertThatThrownBy(() -> new LossSpec(LossSpec.Kind.HKR, -1f, 0.5f, 10f)).hasMessageContaining("lambda must be in [0, 1e6]");
        assertThatThrownBy(() -> new LossSpec(LossSpec.Kind.HKR, 1f, 0f, 10f)).hasMessageContaining("margin must be in (0, 1e4]");
        assertThatThrownBy(() -> LossSpec.Kind.fromCli("hinge")).hasMessageContaining("valid: hkr, hkr-multiclass, hkr-softmax, cross-entropy");
    }
}
