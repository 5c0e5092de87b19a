package io.otnn.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.otnn.checkpoint.GradientPrecision;
import io.otnn.checkpoint.SignatureContract;
import io.otnn.trainer.layers.BatchNormalization;
import io.otnn.trainer.layers.Flatten;
import io.otnn.trainer.layers.FrobeniusDense;
import io.otnn.trainer.layers.GroupSort2;
import io.otnn.trainer.layers.Layer;
import io.otnn.trainer.layers.Param;
import io.otnn.trainer.layers.ReLU;
import io.otnn.trainer.model.Architecture;
import io.otnn.trainer.model.Presets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.framework.DataType;
import org.tensorflow.proto.framework.SignatureDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The {@code explain} and {@code explain_to} gradients that the export writes out for networks of dense layers
 * ({@link io.otnn.trainer.layers.ExplicitGradient}) against the chain rule computed apart in plain Java from the same
 * frozen weights: the dense OTNN, its unconstrained twin (BatchNorm, ReLU), a FrobeniusDense head, and one logit.
 * Convolutional networks keep TensorFlow's symbolic gradient (checked by the same comparison's absence of
 * {@code gradients/} ops here, and by their own export tests).
 */
class ExplicitGradientExportTest {

    private static final long[] INPUT = {28, 28, 1};
    private static final int N = 7;

    @TempDir
    Path tmp;

    @Test
    void shouldGiveTheChainRulesGradientsForTheDenseOtnn() throws Exception {
        check(Presets.dense(true, 0.0625, 10), 10, 1);
    }

    @Test
    void shouldGiveTheChainRulesGradientsForTheUnconstrainedTwin() throws Exception {
        check(Presets.dense(false, 0.0625, 10), 10, 2);
    }

    @Test
    void shouldGiveTheChainRulesGradientsWithAFrobeniusHead() throws Exception {
        List<Layer> layers = new ArrayList<>(Presets.dense(true, 0.0625, 10).layers());
        layers.set(layers.size() - 1, new FrobeniusDense(10));
        check(new Architecture("dense", true, 0.0625, layers), 10, 3);
    }

    @Test
    void shouldGiveTheGradientOfTheOneLogitForABinaryNetwork() throws Exception {
        check(Presets.dense(true, 0.0625, 1), 1, 4);
    }

    @Test
    void shouldLeaveConvolutionalNetworksToTheSymbolicGradient() {
        assertThat(ExplainHeads.explicitlyDifferentiable(
                        Presets.create("cnn", true, 0.0625, 10).layers()))
                .isFalse();
        assertThat(ExplainHeads.explicitlyDifferentiable(
                        Presets.dense(true, 1, 10).layers()))
                .isTrue();
    }

    @Test
    void shouldRoundOnlyTheBackwardPassWhenTheGradientsAreBf16() throws Exception {
        Architecture arch = Presets.dense(true, 0.0625, 10);
        check(arch, 10, 6, GradientPrecision.BF16);
        try (SavedModelBundle bundle = SavedModelBundle.load(tmp.resolve("m6").toString(), SignatureContract.TAG)) {
            try (Result r = bundle.session()
                    .runner()
                    .fetch("layer1/g0")
                    .fetch("layer1/w0")
                    .run()) {
                assertThat(r.get(0).dataType())
                        .as("the stored transposed kernel")
                        .isEqualTo(DataType.DT_BFLOAT16);
                assertThat(r.get(1).dataType()).as("the forward kernel").isEqualTo(DataType.DT_FLOAT);
            }
        }
        assertThat(CheckpointExporter.gradientProducts(arch)).isEqualTo(3);
    }

    @Test
    void shouldRefuseABf16GradientForAConvolutionalNetwork() {
        Architecture cnn = Presets.create("cnn", true, 0.0625, 10);
        assertThat(CheckpointExporter.gradientProducts(cnn)).isZero();
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> CheckpointExporter.writeSavedModel(
                        tmp.resolve("cnn"), cnn, List.of(), INPUT, 10, 0, 1, GradientPrecision.BF16))
                .withMessageContaining("bf16 gradient needs a network of dense layers");
    }

    private void check(Architecture arch, int k, long seed) throws Exception {
        check(arch, k, seed, GradientPrecision.FP32);
    }

    /**
     * With bf16 gradients the logits stay those of the chain rule within fp32's tolerance, and the gradients carry
     * bfloat16's rounding: within 3u per matrix product of the largest entry, and visibly rounded (the export would
     * otherwise have silently stayed fp32).
     */
    private void check(Architecture arch, int k, long seed, GradientPrecision precision) throws Exception {
        Random random = new Random(seed);
        List<List<Param>> params = randomParameters(arch, random);
        Path dir = tmp.resolve("m" + seed);
        CheckpointExporter.writeSavedModel(dir, arch, params, INPUT, k, 0, 1, precision);
        double tolerance = precision == GradientPrecision.FP32
                ? 1e-4
                : 3 * Math.scalb(1.0, -8) * CheckpointExporter.gradientProducts(arch);
        double rounding = 0;

        float[] x = new float[N * 784];
        for (int i = 0; i < x.length; i++) x[i] = random.nextFloat();
        int[] target = new int[N];
        for (int i = 0; i < N; i++) target[i] = k == 1 ? 0 : random.nextInt(k);

        try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), SignatureContract.TAG)) {
            assertThat(bundle.graph().operations())
                    .toIterable()
                    .noneMatch(op -> op.name().startsWith("gradients"));
            float[][] explain = run(bundle, SignatureContract.EXPLAIN, x, null);
            float[][] explainTo = run(bundle, SignatureContract.EXPLAIN_TO, x, target);
            for (int i = 0; i < N; i++) {
                float[] xi = Arrays.copyOfRange(x, i * 784, (i + 1) * 784);
                Chain chain = Chain.forward(arch.layers(), params, xi);
                float[] logits = chain.logits();
                for (int c = 0; c < k; c++) {
                    assertThat(explain[0][i * k + c]).as("logit").isCloseTo(logits[c], offset(1e-4f));
                }
                int[] ranked = ranked(logits);
                float[] top1Seed = new float[k];
                float[] marginSeed = new float[k];
                float[] towardSeed = new float[k];
                if (k == 1) {
                    top1Seed[0] = marginSeed[0] = towardSeed[0] = 1;
                } else {
                    top1Seed[ranked[0]] = 1;
                    marginSeed[ranked[0]] += 1;
                    marginSeed[ranked[1]] -= 1;
                    towardSeed[ranked[0]] += 1;
                    towardSeed[target[i]] -= 1;
                }
                rounding = Math.max(
                        rounding,
                        assertClose(slice(explain[1], i), chain.backward(top1Seed), tolerance, "grad_top1 " + i));
                assertClose(slice(explain[2], i), chain.backward(marginSeed), tolerance, "grad_margin " + i);
                assertClose(slice(explainTo[1], i), chain.backward(top1Seed), tolerance, "explain_to top1 " + i);
                assertClose(slice(explainTo[2], i), chain.backward(towardSeed), tolerance, "explain_to margin " + i);
            }
        }
        if (precision == GradientPrecision.BF16) {
            assertThat(rounding)
                    .as("the bf16 gradient's deviation from the chain rule")
                    .isGreaterThan(1e-4);
        }
    }

    private static float[] slice(float[] flat, int i) {
        return Arrays.copyOfRange(flat, i * 784, (i + 1) * 784);
    }

    /** @return the largest deviation relative to the largest entry */
    private static double assertClose(float[] actual, double[] expected, double tolerance, String what) {
        double scale = 0;
        for (double e : expected) scale = Math.max(scale, Math.abs(e));
        assertThat(scale).as(what + " is not trivially zero").isGreaterThan(1e-6);
        double worst = 0;
        for (int p = 0; p < expected.length; p++) worst = Math.max(worst, Math.abs(actual[p] - expected[p]));
        assertThat(worst / scale)
                .as(what + ": largest deviation relative to the largest entry")
                .isLessThan(tolerance);
        return worst / scale;
    }

    private static int[] ranked(float[] logits) {
        int first = 0;
        for (int c = 1; c < logits.length; c++) if (logits[c] > logits[first]) first = c;
        int second = first == 0 ? 1 : 0;
        for (int c = 0; c < logits.length; c++) if (c != first && logits[c] > logits[second]) second = c;
        return new int[] {first, logits.length > 1 ? second : first};
    }

    /** logits, grad_top1, grad_margin of a signature, flat per image. */
    private static float[][] run(SavedModelBundle bundle, String key, float[] x, int[] target) {
        SignatureDef sig = bundle.metaGraphDef().getSignatureDefMap().get(key);
        Session.Runner r = bundle.session().runner();
        try (TFloat32 images = new Param(new long[] {N, 28, 28, 1}, x).toTensor();
                TInt32 targets = target == null ? null : TInt32.vectorOf(target)) {
            r.feed(sig.getInputsMap().get(SignatureContract.IMAGES).getName(), images);
            if (targets != null)
                r.feed(sig.getInputsMap().get(SignatureContract.TARGET).getName(), targets);
            for (String out :
                    List.of(SignatureContract.LOGITS, SignatureContract.GRAD_TOP1, SignatureContract.GRAD_MARGIN)) {
                r.fetch(sig.getOutputsMap().get(out).getName());
            }
            try (Result res = r.run()) {
                float[][] out = new float[3][];
                for (int o = 0; o < 3; o++)
                    out[o] = Param.of((TFloat32) res.get(o)).values();
                return out;
            }
        }
    }

    /** Random inference parameters of the shapes the layers build (BatchNorm scales kept away from 0). */
    private static List<List<Param>> randomParameters(Architecture arch, Random random) {
        List<List<Param>> out = new ArrayList<>();
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            long[] shape = INPUT;
            for (int i = 0; i < arch.layers().size(); i++) {
                Layer layer = arch.layers().get(i);
                shape = layer.build(tf.withSubScope("layer" + i), shape, new Random(i));
                List<Param> ps = new ArrayList<>();
                for (Operand<TFloat32> p : layer.inferenceParameters()) {
                    long[] s = p.shape().asArray();
                    int size = 1;
                    for (long d : s) size *= (int) d;
                    float[] v = new float[size];
                    double spread = s.length == 2 ? 1 / Math.sqrt(s[0]) : 0.5;
                    for (int j = 0; j < size; j++) {
                        v[j] = (float)
                                (layer instanceof BatchNormalization && ps.isEmpty()
                                        ? 0.5 + random.nextDouble()
                                        : spread * random.nextGaussian());
                    }
                    ps.add(new Param(s, v));
                }
                out.add(ps);
            }
        }
        return out;
    }

    /** The network run in double precision in plain Java, keeping each layer's input for the chain rule. */
    private record Chain(List<Layer> layers, List<List<Param>> params, List<double[]> inputs, double[] out) {

        static Chain forward(List<Layer> layers, List<List<Param>> params, float[] image) {
            List<double[]> inputs = new ArrayList<>();
            double[] h = new double[image.length];
            for (int p = 0; p < h.length; p++) h[p] = image[p];
            for (int i = 0; i < layers.size(); i++) {
                inputs.add(h);
                Layer layer = layers.get(i);
                List<Param> ps = params.get(i);
                if (layer instanceof Flatten) {
                    h = h.clone();
                } else if (layer instanceof GroupSort2) {
                    double[] o = h.clone();
                    for (int j = 0; j < o.length; j += 2) {
                        o[j] = Math.min(h[j], h[j + 1]);
                        o[j + 1] = Math.max(h[j], h[j + 1]);
                    }
                    h = o;
                } else if (layer instanceof ReLU) {
                    double[] o = new double[h.length];
                    for (int j = 0; j < o.length; j++) o[j] = Math.max(0, h[j]);
                    h = o;
                } else if (layer instanceof BatchNormalization) {
                    double[] o = new double[h.length];
                    for (int j = 0; j < o.length; j++)
                        o[j] = h[j] * ps.get(0).values()[j] + ps.get(1).values()[j];
                    h = o;
                } else {
                    Param w = ps.get(0);
                    int in = w.rows();
                    int units = w.cols();
                    double[] o = new double[units];
                    for (int u = 0; u < units; u++) {
                        double sum = ps.get(1).values()[u];
                        for (int j = 0; j < in; j++) sum += h[j] * w.values()[j * units + u];
                        o[u] = sum;
                    }
                    h = o;
                }
            }
            return new Chain(layers, params, inputs, h);
        }

        float[] logits() {
            float[] f = new float[out.length];
            for (int c = 0; c < f.length; c++) f[c] = (float) out[c];
            return f;
        }

        /** ∇ₓ ⟨seed, f(x)⟩. */
        double[] backward(float[] seed) {
            double[] g = new double[seed.length];
            for (int c = 0; c < g.length; c++) g[c] = seed[c];
            for (int i = layers.size() - 1; i >= 0; i--) {
                Layer layer = layers.get(i);
                double[] x = inputs.get(i);
                List<Param> ps = params.get(i);
                double[] back = new double[x.length];
                if (layer instanceof Flatten) {
                    back = g;
                } else if (layer instanceof GroupSort2) {
                    for (int j = 0; j < x.length; j += 2) {
                        boolean swapped = x[j] > x[j + 1];
                        back[j] = swapped ? g[j + 1] : g[j];
                        back[j + 1] = swapped ? g[j] : g[j + 1];
                    }
                } else if (layer instanceof ReLU) {
                    for (int j = 0; j < x.length; j++) back[j] = x[j] > 0 ? g[j] : 0;
                } else if (layer instanceof BatchNormalization) {
                    for (int j = 0; j < x.length; j++)
                        back[j] = g[j] * ps.get(0).values()[j];
                } else {
                    Param w = ps.get(0);
                    int units = w.cols();
                    for (int j = 0; j < x.length; j++) {
                        double sum = 0;
                        for (int u = 0; u < units; u++) sum += g[u] * w.values()[j * units + u];
                        back[j] = sum;
                    }
                }
                g = back;
            }
            return g;
        }
    }
}
