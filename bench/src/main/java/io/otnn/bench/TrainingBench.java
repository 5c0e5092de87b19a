package io.otnn.bench;

import io.otnn.explain.engine.TensorFlowEnvironment;
import io.otnn.trainer.layers.Normalizers;
import io.otnn.trainer.losses.LossSpec;
import io.otnn.trainer.model.Architecture;
import io.otnn.trainer.model.Presets;
import io.otnn.trainer.train.TrainingGraph;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Training throughput of the presets at batch 128 (random 28×28×1 inputs, real training steps) and the time of one
 * Björck orthogonalisation of a 512×512 matrix (15 iterations, after spectral normalisation). Run:
 * {@code java -cp bench/target/benchmarks.jar io.otnn.bench.TrainingBench [steps]}; prints, per preset, the share of
 * a step spent in the constraint (spectral normalisation, Björck) and the OTNN / unconstrained step ratio, then the
 * dense OTNN's step at each Björck iteration bound of {@code -Dbench.bjorck=15,8,4,2}.
 */
public final class TrainingBench {

    public static final int BATCH = 128;
    public static final int WARMUP_STEPS = 3;

    private TrainingBench() {}

    public static void main(String[] args) {
        TensorFlowEnvironment.prepare();
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        System.out.printf(
                Locale.ROOT,
                "%-24s %10s %10s %14s %14s %14s%n",
                "preset (batch 128)",
                "images/s",
                "s/step",
                "spectral fwd",
                "bjorck fwd",
                "constraint f+b");
        for (String preset : new String[] {"dense", "cnn"}) {
            double otnnStep = Double.NaN;
            for (boolean constrained : new boolean[] {true, false}) {
                double width = preset.equals("cnn") ? Presets.DEFAULT_CNN_WIDTH : 1.0;
                double[] r = measure(Presets.create(preset, constrained, width, 10), steps, constrained);
                double s = r[0];
                if (constrained) otnnStep = s;
                System.out.printf(
                        Locale.ROOT,
                        "%-24s %10.0f %10.4f %13.1f%% %13.1f%% %13.1f%%%n",
                        preset + (constrained ? " otnn" : " baseline") + (preset.equals("cnn") ? " w=" + width : ""),
                        BATCH / s,
                        s,
                        100 * r[1] / s,
                        100 * (r[2] - r[1]) / s,
                        100 * r[3] / s);
                if (!constrained) {
                    System.out.printf(
                            Locale.ROOT, "%s: OTNN step / unconstrained step = %.1fx%n", preset, otnnStep / s);
                }
            }
        }
        // deel-lip's levers on the dense OTNN's step: Björck and power iterations (-Dotnn.bjorck.iterations,
        // -Dotnn.spectral.iterations), and the batch size
        String sweep = System.getProperty("bench.bjorck", "15,8,4,2");
        System.out.printf(
                Locale.ROOT,
                "%ndense otnn, Björck iterations (power iterations %d):%n",
                Normalizers.spectralIterations());
        System.out.printf(Locale.ROOT, "%-12s %10s %10s %14s%n", "iterations", "images/s", "s/step", "bjorck fwd");
        String before = System.getProperty("otnn.bjorck.iterations");
        for (String n : sweep.split(",")) {
            System.setProperty("otnn.bjorck.iterations", n.trim());
            double[] r = measure(Presets.create("dense", true, 1.0, 10), steps, true);
            System.out.printf(
                    Locale.ROOT,
                    "%-12s %10.0f %10.4f %13.1f%%%n",
                    n.trim(),
                    BATCH / r[0],
                    r[0],
                    100 * (r[2] - r[1]) / r[0]);
        }
        if (before == null) System.clearProperty("otnn.bjorck.iterations");
        else System.setProperty("otnn.bjorck.iterations", before);
        System.out.printf(Locale.ROOT, "bjorck 512x512 (15 iterations, forward): %.2f ms%n", bjorckMillis(512, 10) * 1);
    }

    /** Median seconds of one real training step. */
    public static double stepSeconds(Architecture arch, int steps, boolean constrained) {
        return measure(arch, steps, constrained)[0];
    }

    /** {step, spectral forward, spectral + Björck forward, constraint forward + backward} in seconds (medians). */
    public static double[] measure(Architecture arch, int steps, boolean constrained) {
        LossSpec loss = LossSpec.of(constrained ? LossSpec.Kind.HKR_SOFTMAX : LossSpec.Kind.CROSS_ENTROPY);
        try (TrainingGraph g = new TrainingGraph(arch, new long[] {28, 28, 1}, 10, loss, 1)) {
            Random r = new Random(1);
            float[] x = new float[BATCH * 784];
            for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
            float[] y = new float[BATCH * 10];
            for (int i = 0; i < BATCH; i++) y[i * 10 + r.nextInt(10)] = 1;
            for (int i = 0; i < WARMUP_STEPS; i++) g.step(x, y, BATCH, 5e-4f);
            double[] t = new double[steps];
            for (int i = 0; i < steps; i++) {
                long s = System.nanoTime();
                g.step(x, y, BATCH, 5e-4f);
                t[i] = (System.nanoTime() - s) / 1e9;
            }
            Arrays.sort(t);
            double[] c = g.constraintSeconds(5);
            return new double[] {t[steps / 2], c[0], c[1], c[2]};
        }
    }

    /** Median milliseconds of spectral normalisation + Björck of an n×n matrix. */
    public static double bjorckMillis(int n, int repeats) {
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Random r = new Random(2);
            float[] w = new float[n * n];
            for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
            float[] u = new float[n];
            for (int i = 0; i < n; i++) u[i] = (float) r.nextGaussian();
            Operand<TFloat32> wt = tf.constant(Shape.of(n, n), DataBuffers.of(w, true, false));
            Operand<TFloat32> ut = tf.constant(Shape.of(1, n), DataBuffers.of(u, true, false));
            Normalizers.Spectral sn =
                    Normalizers.spectralNormalization(tf, wt, ut, Normalizers.DEFAULT_EPS_SPECTRAL, 100);
            // time Björck alone: its input is computed once and fed
            var in = tf.placeholder(TFloat32.class, org.tensorflow.op.core.Placeholder.shape(Shape.of(n, n)));
            Operand<TFloat32> out = Normalizers.bjorck(
                    tf,
                    in,
                    n,
                    n,
                    Normalizers.DEFAULT_BETA_BJORCK,
                    Normalizers.DEFAULT_EPS_BJORCK,
                    Normalizers.DEFAULT_MAXITER_BJORCK);
            try (Session s = new Session(graph);
                    TFloat32 normalized =
                            (TFloat32) s.runner().fetch(sn.normalized()).run().get(0)) {
                for (int i = 0; i < 3; i++)
                    s.runner().feed(in, normalized).fetch(out).run().close();
                double[] t = new double[repeats];
                for (int i = 0; i < repeats; i++) {
                    long st = System.nanoTime();
                    s.runner().feed(in, normalized).fetch(out).run().close();
                    t[i] = (System.nanoTime() - st) / 1e6;
                }
                Arrays.sort(t);
                return t[repeats / 2];
            }
        }
    }
}
