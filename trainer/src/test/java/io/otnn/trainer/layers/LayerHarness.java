package io.otnn.trainer.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * One layer in its own graph, with an explicit Jacobian computed through a cotangent placeholder:
 * J row i = ∇ₓ ⟨e_i, layer(x)⟩ for one sample. The largest singular value of J is then computed in plain Java.
 */
final class LayerHarness implements AutoCloseable {
    final Graph graph = new Graph();
    final Ops tf = Ops.create(graph);
    final Session session;
    final Layer layer;
    final long[] inputShape;
    final long[] outputShape;
    final Placeholder<TFloat32> x;
    final Operand<TFloat32> trainOut;
    final Operand<TFloat32> inferOut;
    final Placeholder<TFloat32> cotangent;
    final Output<?> jacobianRow;
    final List<Op> updates = new ArrayList<>();
    final List<Op> condense;

    LayerHarness(Layer layer, long... inputShape) {
        this.layer = layer;
        this.inputShape = inputShape;
        long[] full = new long[inputShape.length + 1];
        full[0] = -1;
        System.arraycopy(inputShape, 0, full, 1, inputShape.length);
        x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(full)));
        outputShape = layer.build(tf.withSubScope("layer"), inputShape, new Random(7));
        trainOut = layer.train(tf, x, updates);
        condense = layer.condense(tf);
        inferOut = layer.infer(tf, x, layer.inferenceParameters());
        long[] outFull = new long[outputShape.length + 1];
        outFull[0] = -1;
        System.arraycopy(outputShape, 0, outFull, 1, outputShape.length);
        cotangent = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(outFull)));
        Operand<TFloat32> dot = tf.reduceSum(tf.math.mul(inferOut, cotangent), tf.constant(allAxes(outFull.length)));
        jacobianRow = graph.addGradients(dot.asOutput(), new Output<?>[] {x.asOutput()})[0];
        session = new Session(graph);
        session.initialize();
    }

    static int[] allAxes(int rank) {
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) axes[i] = i;
        return axes;
    }

    int inputSize() {
        return (int) Vars.product(inputShape);
    }

    int outputSize() {
        return (int) Vars.product(outputShape);
    }

    /** Runs a training step's updates (power iteration state) {@code steps} times, then condenses. */
    void warmUp(int steps) {
        float[] batch = new Random(3)
                .doubles(inputSize() * 2L)
                .map(d -> d - 0.5)
                .collect(() -> new FloatArray(), FloatArray::add, FloatArray::addAll)
                .toArray();
        try (TFloat32 in = tensor(batch, 2)) {
            for (int i = 0; i < steps; i++) {
                Session.Runner r = session.runner().feed(x, in).fetch(trainOut);
                updates.forEach(r::addTarget);
                r.run().close();
            }
        }
        Session.Runner r = session.runner();
        condense.forEach(r::addTarget);
        if (!condense.isEmpty()) r.run();
    }

    TFloat32 tensor(float[] values, int batch) {
        long[] full = new long[inputShape.length + 1];
        full[0] = batch;
        System.arraycopy(inputShape, 0, full, 1, inputShape.length);
        return Param.of(new Param(full, values).toTensor()).toTensor();
    }

    float[] infer(float[] point) {
        try (TFloat32 in = tensor(point, 1);
                Result r = session.runner().feed(x, in).fetch(inferOut).run()) {
            return Param.of((TFloat32) r.get(0)).values();
        }
    }

    /** The explicit Jacobian of the inference form at {@code point}, row-major [outputSize, inputSize]. */
    float[] jacobian(float[] point) {
        int n = inputSize();
        int m = outputSize();
        float[] j = new float[m * n];
        long[] outFull = new long[outputShape.length + 1];
        outFull[0] = 1;
        System.arraycopy(outputShape, 0, outFull, 1, outputShape.length);
        try (TFloat32 in = tensor(point, 1)) {
            for (int i = 0; i < m; i++) {
                float[] e = new float[m];
                e[i] = 1f;
                try (TFloat32 c = new Param(outFull, e).toTensor();
                        Result r = session.runner()
                                .feed(x, in)
                                .feed(cotangent, c)
                                .fetch(jacobianRow)
                                .run()) {
                    float[] row = Param.of((TFloat32) r.get(0)).values();
                    System.arraycopy(row, 0, j, i * n, n);
                }
            }
        }
        return j;
    }

    double jacobianNorm(float[] point) {
        return MatrixNorms.spectralNorm(jacobian(point), outputSize(), inputSize());
    }

    float[] randomPoint(long seed) {
        Random random = new Random(seed);
        float[] p = new float[inputSize()];
        for (int i = 0; i < p.length; i++) p[i] = (float) random.nextGaussian();
        return p;
    }

    Param fetch(Operand<TFloat32> operand) {
        try (Result r = session.runner().fetch(operand).run()) {
            return Param.of((TFloat32) r.get(0));
        }
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }

    /** Minimal growable float array for collecting random doubles. */
    static final class FloatArray {
        float[] data = new float[16];
        int size;

        void add(double v) {
            if (size == data.length) data = java.util.Arrays.copyOf(data, size * 2);
            data[size++] = (float) v;
        }

        void addAll(FloatArray other) {
            for (int i = 0; i < other.size; i++) add(other.data[i]);
        }

        float[] toArray() {
            return java.util.Arrays.copyOf(data, size);
        }
    }
}
