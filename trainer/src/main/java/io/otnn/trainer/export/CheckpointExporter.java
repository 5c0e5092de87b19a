package io.otnn.trainer.export;

import static io.otnn.checkpoint.SignatureContract.BOUNDARY;
import static io.otnn.checkpoint.SignatureContract.BOUNDARY_LOGITS;
import static io.otnn.checkpoint.SignatureContract.CAM;
import static io.otnn.checkpoint.SignatureContract.COUNTERFACTUAL;
import static io.otnn.checkpoint.SignatureContract.COUNTERFACTUAL_LOGITS;
import static io.otnn.checkpoint.SignatureContract.GRAD_MARGIN;
import static io.otnn.checkpoint.SignatureContract.GRAD_TOP1;
import static io.otnn.checkpoint.SignatureContract.IMAGES;
import static io.otnn.checkpoint.SignatureContract.LOGITS;
import static io.otnn.checkpoint.SignatureContract.STEP;
import static io.otnn.checkpoint.SignatureContract.TARGET;

import io.otnn.checkpoint.GradientPrecision;
import io.otnn.checkpoint.SignatureContract;
import io.otnn.explain.engine.TensorFlowEnvironment;
import io.otnn.trainer.layers.ExplicitGradient;
import io.otnn.trainer.layers.Layer;
import io.otnn.trainer.layers.Param;
import io.otnn.trainer.model.Architecture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TType;

/**
 * Writes the inference graph of a trained network as a SavedModel (docs/checkpoint-format.md): frozen, already
 * normalised weights as variables of a fresh graph (no power iteration, no Björck at inference), and the signatures
 * {@code serving_default}, {@code explain}, {@code explain_to} and {@code explain_checked} whose input gradients are
 * part of the graph, named as {@link SignatureContract} says, and {@code gradcam} for networks with a convolutional
 * layer. {@code explain_checked} runs the layers a second time, on the same variables, over the boundary points and
 * counterfactuals it builds.
 */
public final class CheckpointExporter {

    static {
        // TensorFlow's natives read their environment once, when they load (TensorFlowEnvironment)
        TensorFlowEnvironment.prepare();
    }

    /** The name of the Grad-CAM activation A in the exported graph (a tensor that can be fetched or fed). */
    public static final String GRADCAM_ACTIVATIONS = "gradcam_activations";

    private CheckpointExporter() {}

    /** The variables of the exported graph and the frozen values they are assigned once, before the export. */
    private static final class Weights {
        private final List<Param> values = new ArrayList<>();
        private final List<Placeholder<TFloat32>> feeds = new ArrayList<>();
        private final List<Assign<?>> assignments = new ArrayList<>();

        /**
         * Variables {@code <prefix>0, <prefix>1, …} of {@code scope}, one per parameter, stored as {@code type}: a
         * frozen fp32 value is cast when it is assigned to a bfloat16 variable.
         */
        @SuppressWarnings("unchecked")
        <T extends TType> List<Operand<T>> variables(Ops scope, String prefix, List<Param> params, Class<T> type) {
            List<Operand<T>> vars = new ArrayList<>();
            for (int p = 0; p < params.size(); p++) {
                Param param = params.get(p);
                Variable<T> v = scope.withName(prefix + p).variable(Shape.of(param.shape()), type);
                Placeholder<TFloat32> feed = scope.withName(prefix + p + "_value")
                        .placeholder(TFloat32.class, Placeholder.shape(Shape.of(param.shape())));
                Operand<T> value = type == TFloat32.class ? (Operand<T>) feed : scope.dtypes.cast(feed, type);
                assignments.add(scope.assign(v, value));
                feeds.add(feed);
                values.add(param);
                vars.add(v);
            }
            return vars;
        }

        void assign(Session session) {
            if (values.isEmpty()) return;
            Session.Runner r = session.runner();
            List<Tensor> tensors = new ArrayList<>();
            try {
                for (int k = 0; k < values.size(); k++) {
                    TFloat32 t = values.get(k).toTensor();
                    tensors.add(t);
                    r.feed(feeds.get(k), t).addTarget(assignments.get(k));
                }
                r.run();
            } finally {
                tensors.forEach(Tensor::close);
            }
        }
    }

    /** The signatures {@link #writeSavedModel} exports for {@code architecture}, in order. */
    public static List<String> signatures(Architecture architecture) {
        List<String> keys = new ArrayList<>(List.of(
                SignatureContract.SERVING,
                SignatureContract.EXPLAIN,
                SignatureContract.EXPLAIN_TO,
                SignatureContract.EXPLAIN_CHECKED));
        if (architecture.gradCamLayer() >= 0) keys.add(SignatureContract.GRADCAM);
        return keys;
    }

    /**
     * Exports the SavedModel of {@code architecture} (layers already built) with {@code params} into {@code dir};
     * {@code min} and {@code max} are the input range the counterfactuals of {@code explain_checked} are clipped to.
     */
    public static void writeSavedModel(
            Path dir,
            Architecture architecture,
            List<List<Param>> params,
            long[] inputShape,
            int logits,
            double min,
            double max)
            throws IOException {
        writeSavedModel(dir, architecture, params, inputShape, logits, min, max, GradientPrecision.FP32);
    }

    /**
     * The matrix products of the written-out backward pass of {@code architecture} (the layers whose gradient
     * multiplies by a stored kernel), 0 when its gradients are TensorFlow's own.
     */
    public static int gradientProducts(Architecture architecture) {
        if (!ExplainHeads.explicitlyDifferentiable(architecture.layers())) return 0;
        return (int) architecture.layers().stream()
                .filter(l -> l instanceof ExplicitGradient.Affine)
                .count();
    }

    /**
     * As {@link #writeSavedModel(Path, Architecture, List, long[], int, double, double)}, with the explain
     * gradients' matrix products in {@code precision} (docs/checkpoint-format.md, "Gradient precision"); bf16 needs a
     * network whose gradients are written out ({@link #gradientProducts} &gt; 0).
     */
    public static void writeSavedModel(
            Path dir,
            Architecture architecture,
            List<List<Param>> params,
            long[] inputShape,
            int logits,
            double min,
            double max,
            GradientPrecision precision)
            throws IOException {
        if (precision != GradientPrecision.FP32 && gradientProducts(architecture) == 0) {
            throw new IllegalArgumentException("a " + precision.label() + " gradient needs a network of dense layers"
                    + " whose gradient is written out, not " + architecture.describeLayers());
        }
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> images = tf.withName(IMAGES)
                    .placeholder(
                            TFloat32.class,
                            Placeholder.shape(Shape.of(-1, inputShape[0], inputShape[1], inputShape[2])));
            Placeholder<TInt32> target = tf.withName(TARGET).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            Placeholder<TFloat64> step =
                    tf.withName(STEP).placeholder(TFloat64.class, Placeholder.shape(Shape.scalar()));
            List<Layer> layers = architecture.layers();
            boolean explicit = ExplainHeads.explicitlyDifferentiable(layers);
            Weights weights = new Weights();
            List<List<Operand<TFloat32>>> layerVars = new ArrayList<>();
            List<List<Operand<?>>> gradientVars = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                Ops scope = tf.withSubScope("layer" + i);
                layerVars.add(weights.variables(scope, "w", params.get(i), TFloat32.class));
                List<Param> gradientParams =
                        explicit ? ((ExplicitGradient) layers.get(i)).gradientParameters(params.get(i)) : List.of();
                Class<? extends TType> stored = precision == GradientPrecision.BF16 ? TBfloat16.class : TFloat32.class;
                gradientVars.add(List.copyOf(weights.variables(scope, "g", gradientParams, stored)));
            }
            int camLayer = architecture.gradCamLayer();
            Operand<TFloat32> x = images;
            Operand<TFloat32> activations = null;
            List<Operand<TFloat32>> layerInputs = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                layerInputs.add(x);
                x = layers.get(i).infer(tf.withSubScope("layer" + i), x, layerVars.get(i));
                if (i == camLayer) {
                    activations = tf.withName(GRADCAM_ACTIVATIONS).identity(x);
                    x = activations;
                }
            }
            Operand<TFloat32> out = tf.withName(LOGITS).identity(x);
            ExplainHeads heads;
            ExplainHeads headsTo;
            if (explicit) {
                var network = new ExplainHeads.ForwardPass(layers, layerInputs, layerVars, gradientVars);
                heads = ExplainHeads.explicit(tf.withSubScope("explain"), network, out, logits, null);
                headsTo = ExplainHeads.explicit(tf.withSubScope("explain_to"), network, out, logits, target);
            } else {
                heads = ExplainHeads.build(graph, tf, images, out, logits, null);
                headsTo = ExplainHeads.build(graph, tf, images, out, logits, target);
            }
            Operand<TFloat32> cam = activations == null
                    ? null
                    : tf.withName(CAM)
                            .identity(ExplainHeads.gradCam(
                                    graph, tf, activations, out, logits, target, inputShape[0], inputShape[1]));
            Ops checkScope = tf.withSubScope("check");
            CheckedExplanation checked =
                    CheckedExplanation.build(checkScope, images, out, heads, logits, step, min, max, probes -> {
                        Operand<TFloat32> h = probes;
                        for (int i = 0; i < layers.size(); i++) {
                            h = layers.get(i).infer(checkScope.withSubScope("layer" + i), h, layerVars.get(i));
                        }
                        return h;
                    });
            try (Session session = new Session(graph)) {
                weights.assign(session);
                Signature serving = Signature.builder()
                        .key(SignatureContract.SERVING)
                        .input(IMAGES, images)
                        .output(LOGITS, out)
                        .build();
                Signature explain = Signature.builder()
                        .key(SignatureContract.EXPLAIN)
                        .input(IMAGES, images)
                        .output(LOGITS, out)
                        .output(GRAD_TOP1, heads.gradTop1())
                        .output(GRAD_MARGIN, heads.gradMargin())
                        .build();
                Signature explainTo = Signature.builder()
                        .key(SignatureContract.EXPLAIN_TO)
                        .input(IMAGES, images)
                        .input(TARGET, target)
                        .output(LOGITS, out)
                        .output(GRAD_TOP1, headsTo.gradTop1())
                        .output(GRAD_MARGIN, headsTo.gradMargin())
                        .build();
                Signature explainChecked = Signature.builder()
                        .key(SignatureContract.EXPLAIN_CHECKED)
                        .input(IMAGES, images)
                        .input(STEP, step)
                        .output(LOGITS, out)
                        .output(GRAD_TOP1, heads.gradTop1())
                        .output(GRAD_MARGIN, heads.gradMargin())
                        .output(BOUNDARY, checked.boundary())
                        .output(COUNTERFACTUAL, checked.counterfactual())
                        .output(BOUNDARY_LOGITS, checked.boundaryLogits())
                        .output(COUNTERFACTUAL_LOGITS, checked.counterfactualLogits())
                        .build();
                List<Signature> all = new ArrayList<>(List.of(serving, explain, explainTo, explainChecked));
                if (cam != null) {
                    all.add(Signature.builder()
                            .key(SignatureContract.GRADCAM)
                            .input(IMAGES, images)
                            .input(TARGET, target)
                            .output(LOGITS, out)
                            .output(CAM, cam)
                            .build());
                }
                SavedModelBundle.exporter(dir.toString())
                        .withTags(SignatureContract.TAG)
                        .withSession(session)
                        .withSignatures(all.toArray(new Signature[0]))
                        .export();
            }
        }
    }
}
