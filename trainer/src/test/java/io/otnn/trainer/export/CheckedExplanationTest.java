package io.otnn.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * {@link CheckedExplanation} on a linear map f(x) = W x + b of two inputs to two logits, where the closed form is known:
 * ∇g = w_top1 − w_top2, x_δ = x − g ∇g / ‖∇g‖², and x_δ = x where ‖∇g‖ = 0 (W = 0: a plain division would give NaN).
 */
class CheckedExplanationTest {

    @Test
    void shouldGiveTheClosedFormAndClipTheCounterfactualWhenTheMapIsLinear() {
        // f1 = 2 x0 + 0.5, f2 = x1: at (0.2, 0.3) f = (0.9, 0.3), g = 0.6, ∇g = (2, −1), ‖∇g‖² = 5
        float[][] out = run(new float[] {2f, 0f, 0f, 1f}, new float[] {0.5f, 0f}, new float[] {0.2f, 0.3f}, 3.0);
        double s0 = 0.6 / 5 * 2;
        double s1 = 0.6 / 5 * -1;
        assertThat((double) out[0][0]).isCloseTo(0.2 - s0, within(1e-6));
        assertThat((double) out[0][1]).isCloseTo(0.3 - s1, within(1e-6));
        // x_cf = clip(x − 3 s) = clip(−0.52, 0.66) = (0, 0.66)
        assertThat(out[1][0]).isEqualTo(0f);
        assertThat((double) out[1][1]).isCloseTo(0.3 - 3 * s1, within(1e-6));
        // boundary logits: g(x_δ) = 0; counterfactual logits f(0, 0.66) = (0.5, 0.66)
        assertThat((double) (out[2][0] - out[2][1])).isCloseTo(0.0, within(1e-6));
        assertThat((double) out[3][0]).isCloseTo(0.5, within(1e-6));
        assertThat((double) out[3][1]).isCloseTo(0.66, within(1e-6));
    }

    @Test
    void shouldLeaveThePointWhereItIsWhenTheMarginGradientIsZero() {
        // W = 0: ∇g = 0 and g = 0.5 ≠ 0; g/‖∇g‖² would be +∞ and the step NaN
        float[][] out = run(new float[] {0f, 0f, 0f, 0f}, new float[] {0.5f, 0f}, new float[] {0.2f, 0.7f}, 2.0);
        assertThat(out[0]).containsExactly(0.2f, 0.7f);
        assertThat(out[1]).containsExactly(0.2f, 0.7f);
        assertThat(out[2]).containsExactly(0.5f, 0f);
        assertThat(out[3]).containsExactly(0.5f, 0f);
    }

    /** Boundary, counterfactual, boundary logits and counterfactual logits of one point, input range [0, 1]. */
    private static float[][] run(float[] w, float[] b, float[] x, double t) {
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> images = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 1, 1, 2)));
            Placeholder<TFloat64> step = tf.placeholder(TFloat64.class, Placeholder.shape(Shape.scalar()));
            Operand<TFloat32> kernel = tf.constant(Shape.of(2, 2), DataBuffers.of(w, true, false));
            Operand<TFloat32> bias = tf.constant(b);
            java.util.function.UnaryOperator<Operand<TFloat32>> network =
                    in -> tf.math.add(tf.linalg.matMul(tf.reshape(in, tf.constant(new long[] {-1, 2})), kernel), bias);
            Operand<TFloat32> logits = network.apply(images);
            ExplainHeads heads = ExplainHeads.build(graph, tf, images, logits, 2, null);
            CheckedExplanation checked =
                    CheckedExplanation.build(tf, images, logits, heads, 2, step, 0.0, 1.0, network);
            try (Session session = new Session(graph);
                    TFloat32 xt = TFloat32.tensorOf(Shape.of(1, 1, 1, 2), DataBuffers.of(x, true, false));
                    TFloat64 tt = TFloat64.scalarOf(t);
                    Result res = session.runner()
                            .feed(images, xt)
                            .feed(step, tt)
                            .fetch(checked.boundary())
                            .fetch(checked.counterfactual())
                            .fetch(checked.boundaryLogits())
                            .fetch(checked.counterfactualLogits())
                            .run()) {
                float[][] out = new float[4][2];
                for (int i = 0; i < 4; i++) ((TFloat32) res.get(i)).read(DataBuffers.of(out[i], false, false));
                return out;
            }
        }
    }
}
