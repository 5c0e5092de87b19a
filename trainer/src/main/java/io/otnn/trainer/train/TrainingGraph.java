package io.otnn.trainer.train;

import io.otnn.explain.engine.TensorFlowEnvironment;
import io.otnn.trainer.eval.ModelRunner;
import io.otnn.trainer.export.ExplainHeads;
import io.otnn.trainer.layers.Layer;
import io.otnn.trainer.layers.Param;
import io.otnn.trainer.losses.LossSpec;
import io.otnn.trainer.model.Architecture;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The training graph: forward pass with the constraints applied, loss, gradients ({@link Graph#addGradients}) and an
 * Adam step whose learning rate is fed at every step (so that piecewise schedules need no graph rebuild), plus the
 * inference form of the same layers for evaluation.
 */
public final class TrainingGraph implements ModelRunner, AutoCloseable {

    static {
        // TensorFlow's natives read their environment once, when they load (TensorFlowEnvironment)
        TensorFlowEnvironment.prepare();
    }

    public static final float ADAM_BETA1 = 0.9f;
    public static final float ADAM_BETA2 = 0.999f;
    public static final float ADAM_EPSILON = 1e-7f;

    final Graph graph = new Graph();
    final Ops tf = Ops.create(graph);
    final Session session;
    final Architecture architecture;
    final long[] inputShape;
    final int logits;
    final int inputSize;
    final Placeholder<TFloat32> images;
    final Placeholder<TFloat32> labels;
    final Placeholder<TFloat32> learningRate;
    final Operand<TFloat32> loss;
    final Operand<TFloat32> trainLogits;
    final List<Op> stepTargets = new ArrayList<>();
    final List<Op> condense = new ArrayList<>();
    final Operand<TFloat32> evalLogits;
    final ExplainHeads heads;
    final List<List<Operand<TFloat32>>> inferenceParams = new ArrayList<>();
    final List<long[]> layerInputShapes = new ArrayList<>();

    public TrainingGraph(Architecture architecture, long[] inputShape, int logits, LossSpec lossSpec, long seed) {
        this.architecture = architecture;
        this.inputShape = inputShape.clone();
        this.logits = logits;
        int size = 1;
        for (long d : inputShape) size *= (int) d;
        this.inputSize = size;
        images = tf.withName("images")
                .placeholder(
                        TFloat32.class, Placeholder.shape(Shape.of(-1, inputShape[0], inputShape[1], inputShape[2])));
        labels = tf.withName("labels").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, logits)));
        learningRate = tf.withName("learning_rate").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));

        Random random = new Random(seed);
        long[] shape = inputShape;
        List<Op> updates = new ArrayList<>();
        Operand<TFloat32> x = images;
        List<Layer> layers = architecture.layers();
        for (int i = 0; i < layers.size(); i++) {
            Ops scope = tf.withSubScope("layer" + i);
            layerInputShapes.add(shape.clone());
            shape = layers.get(i).build(scope, shape, random);
            x = layers.get(i).train(scope, x, updates);
            condense.addAll(layers.get(i).condense(scope));
            inferenceParams.add(layers.get(i).inferenceParameters());
        }
        if (shape.length != 1 || shape[0] != logits) {
            throw new IllegalArgumentException(
                    "the network ends with shape " + java.util.Arrays.toString(shape) + ", expected [" + logits + "]");
        }
        trainLogits = x;
        loss = lossSpec.build(tf.withSubScope("loss"), trainLogits, labels, updates);
        stepTargets.addAll(updates);
        stepTargets.addAll(adam(layers));

        Operand<TFloat32> y = images;
        for (int i = 0; i < layers.size(); i++) {
            y = layers.get(i).infer(tf.withSubScope("eval" + i), y, inferenceParams.get(i));
        }
        evalLogits = y;
        heads = ExplainHeads.build(graph, tf, images, evalLogits, logits, null);
        session = new Session(graph, sessionConfig());
        session.initialize();
    }

    /**
     * Grappler's graph rewrites make a dense step about 25 % faster, but on the unrolled power-iteration and Björck
     * graphs of the conv preset they take tens of seconds before the first step (39 s against 7 s for a small cnn,
     * measured on 2 cores). {@code -Dotnn.grappler=auto} (default) keeps them for networks without convolutions only;
     * {@code true} or {@code false} forces the choice.
     */
    org.tensorflow.proto.framework.ConfigProto sessionConfig() {
        var builder = org.tensorflow.proto.framework.ConfigProto.newBuilder();
        String mode = System.getProperty("otnn.grappler", "auto");
        boolean hasConv = architecture.layers().stream()
                .anyMatch(l -> l instanceof io.otnn.trainer.layers.SpectralConv2D
                        || l instanceof io.otnn.trainer.layers.OrthogonalConv2D
                        || l instanceof io.otnn.trainer.layers.Conv2D);
        boolean grappler = mode.equals("auto") ? !hasConv : Boolean.parseBoolean(mode);
        if (!grappler) {
            builder.setGraphOptions(org.tensorflow.proto.framework.GraphOptions.newBuilder()
                    .setRewriteOptions(org.tensorflow.proto.framework.RewriterConfig.newBuilder()
                            .setDisableMetaOptimizer(true)));
        }
        return builder.build();
    }

    /** Adam (Kingma &amp; Ba) with the learning rate fed per step; TF's ApplyAdam kernel does the update. */
    @SuppressWarnings("unchecked")
    private List<Op> adam(List<Layer> layers) {
        List<Variable<TFloat32>> vars = new ArrayList<>();
        layers.forEach(l -> vars.addAll(l.trainableVariables()));
        Output<?>[] outputs = vars.stream().map(Variable::asOutput).toArray(Output<?>[]::new);
        Output<?>[] grads = graph.addGradients(loss.asOutput(), outputs);
        Ops t = tf.withSubScope("adam");
        Variable<TFloat32> beta1Power = t.withName("beta1_power").variable(t.constant(ADAM_BETA1));
        Variable<TFloat32> beta2Power = t.withName("beta2_power").variable(t.constant(ADAM_BETA2));
        List<Op> applies = new ArrayList<>();
        for (int i = 0; i < vars.size(); i++) {
            Variable<TFloat32> v = vars.get(i);
            long[] shape = v.shape().asArray();
            int n = 1;
            for (long d : shape) n *= (int) d;
            Variable<TFloat32> m = t.withName("m" + i)
                    .variable(t.constant(Shape.of(shape), DataBuffers.of(new float[n], true, false)));
            Variable<TFloat32> s = t.withName("v" + i)
                    .variable(t.constant(Shape.of(shape), DataBuffers.of(new float[n], true, false)));
            applies.add(t.train.applyAdam(
                    v,
                    m,
                    s,
                    beta1Power,
                    beta2Power,
                    learningRate,
                    t.constant(ADAM_BETA1),
                    t.constant(ADAM_BETA2),
                    t.constant(ADAM_EPSILON),
                    (Output<TFloat32>) grads[i]));
        }
        Ops after = t.withControlDependencies(applies);
        List<Op> ops = new ArrayList<>(applies);
        ops.add(after.assign(beta1Power, after.math.mul(beta1Power, after.constant(ADAM_BETA1))));
        ops.add(after.assign(beta2Power, after.math.mul(beta2Power, after.constant(ADAM_BETA2))));
        return ops;
    }

    /** One optimisation step; returns {loss, number of correct predictions}. */
    public float[] step(float[] x, float[] y, int n, float lr) {
        try (TFloat32 xt = tensor(x, n);
                TFloat32 yt = TFloat32.tensorOf(Shape.of(n, logits), DataBuffers.of(y, true, false));
                TFloat32 lrt = TFloat32.scalarOf(lr)) {
            Session.Runner r = session.runner()
                    .feed(images, xt)
                    .feed(labels, yt)
                    .feed(learningRate, lrt)
                    .fetch(loss)
                    .fetch(trainLogits);
            stepTargets.forEach(r::addTarget);
            try (Result res = r.run()) {
                float l = ((TFloat32) res.get(0)).getFloat();
                float[] f = Param.of((TFloat32) res.get(1)).values();
                return new float[] {l, correct(f, y, n)};
            }
        }
    }

    int correct(float[] f, float[] y, int n) {
        int c = 0;
        for (int i = 0; i < n; i++) {
            if (logits == 1) {
                if ((f[i] > 0) == (y[i] > 0.5f)) c++;
            } else {
                int best = 0;
                for (int k = 1; k < logits; k++) if (f[i * logits + k] > f[i * logits + best]) best = k;
                if (y[i * logits + best] > 0.5f) c++;
            }
        }
        return c;
    }

    /** Stores the current normalised weights into the inference parameters (run before evaluation and export). */
    public void condense() {
        if (condense.isEmpty()) return;
        Session.Runner r = session.runner();
        condense.forEach(r::addTarget);
        r.run();
    }

    /** The frozen parameters of every layer, after {@link #condense()}. */
    public List<List<Param>> frozenParameters() {
        List<List<Param>> all = new ArrayList<>();
        for (List<Operand<TFloat32>> params : inferenceParams) {
            List<Param> values = new ArrayList<>();
            for (Operand<TFloat32> p : params) {
                try (Result r = session.runner().fetch(p).run()) {
                    values.add(Param.of((TFloat32) r.get(0)));
                }
            }
            all.add(values);
        }
        return all;
    }

    TFloat32 tensor(float[] x, int n) {
        return TFloat32.tensorOf(
                Shape.of(n, inputShape[0], inputShape[1], inputShape[2]), DataBuffers.of(x, true, false));
    }

    @Override
    public int logitCount() {
        return logits;
    }

    @Override
    public float[] logits(float[] x, int n) {
        try (TFloat32 xt = tensor(x, n);
                Result r = session.runner().feed(images, xt).fetch(evalLogits).run()) {
            return Param.of((TFloat32) r.get(0)).values();
        }
    }

    @Override
    public Outputs explain(float[] x, int n) {
        try (TFloat32 xt = tensor(x, n);
                Result r = session.runner()
                        .feed(images, xt)
                        .fetch(evalLogits)
                        .fetch(heads.gradTop1())
                        .fetch(heads.gradMargin())
                        .run()) {
            return new Outputs(
                    Param.of((TFloat32) r.get(0)).values(),
                    Param.of((TFloat32) r.get(1)).values(),
                    Param.of((TFloat32) r.get(2)).values());
        }
    }

    /**
     * Median wall time (seconds) of the constraint of all spectral layers, measured apart from the step:
     * {@code [spectral normalisation (forward), spectral normalisation + Björck (forward), the same forward and
     * backward]}. The backward part is a vector-Jacobian product through the normalisation into the raw kernels, the
     * work that the training step's gradient does for it. Zeros for an unconstrained network.
     */
    @SuppressWarnings("unchecked")
    public double[] constraintSeconds(int repeats) {
        List<Operand<TFloat32>> spectral = new ArrayList<>();
        List<Operand<TFloat32>> bjorck = new ArrayList<>();
        List<Operand<TFloat32>> backward = new ArrayList<>();
        for (Layer l : architecture.layers()) {
            if (l instanceof io.otnn.trainer.layers.ConstraintProbe p) {
                spectral.add(p.spectralOutput());
                bjorck.add(p.bjorckOutput());
                Operand<TFloat32> w = p.bjorckOutput();
                Operand<TFloat32> dot = tf.reduceSum(
                        tf.math.mul(w, tf.stopGradient(w)), tf.range(tf.constant(0), tf.rank(w), tf.constant(1)));
                Output<?> kernel = l.trainableVariables().get(0).asOutput();
                backward.add(tf.identity(
                        (Output<TFloat32>) graph.addGradients(dot.asOutput(), new Output<?>[] {kernel})[0]));
            }
        }
        if (spectral.isEmpty()) return new double[] {0, 0, 0};
        return new double[] {median(spectral, repeats), median(bjorck, repeats), median(backward, repeats)};
    }

    private double median(List<Operand<TFloat32>> fetches, int repeats) {
        double[] t = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long start = System.nanoTime();
            Session.Runner r = session.runner();
            fetches.forEach(r::fetch);
            r.run().close();
            t[i] = (System.nanoTime() - start) / 1e9;
        }
        java.util.Arrays.sort(t);
        return t[repeats / 2];
    }

    /** Saves every variable (weights, optimiser slots, power-iteration state) under {@code prefix}. */
    public void save(String prefix) {
        session.save(prefix);
    }

    public void restore(String prefix) {
        session.restore(prefix);
    }

    public Architecture architecture() {
        return architecture;
    }

    /** The input shape of every layer, without the batch axis. */
    public List<long[]> layerInputShapes() {
        return layerInputShapes.stream().map(long[]::clone).toList();
    }

    public long[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
