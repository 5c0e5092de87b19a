package io.otnn.explain.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.tensorflow.engine.SavedModelBundle;
import ai.djl.tensorflow.engine.TfSymbolBlock;
import ai.djl.tensorflow.engine.javacpp.JavacppUtils;
import ai.djl.training.ParameterStore;
import io.otnn.checkpoint.CheckpointException;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.checkpoint.SignatureContract;
import io.otnn.explain.ModelException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.proto.framework.SignatureDef;
import org.tensorflow.proto.framework.TensorInfo;
import org.tensorflow.proto.framework.TensorShapeProto;

/**
 * One loaded SavedModel and a DJL {@link TfSymbolBlock} per signature, all sharing the one bundle (weights are in
 * memory once). Thread-safe: TensorFlow sessions may be run concurrently; each thread uses its own {@link Session}
 * (DJL NDManagers are not thread-safe).
 */
public final class SavedModelRunner implements AutoCloseable {

    /** The optional Grad-CAM signature and its map output: {@link SignatureContract#GRADCAM}. */
    public static final String GRADCAM = SignatureContract.GRADCAM;

    public static final String CAM = SignatureContract.CAM;

    /** The optional signature computing the explanation and its self-check in one run: {@link SignatureContract#EXPLAIN_CHECKED}. */
    public static final String EXPLAIN_CHECKED = SignatureContract.EXPLAIN_CHECKED;

    /** Input and output names with their dims (-1 = any) for each signature of the SavedModel. */
    public record SignatureShape(Map<String, long[]> inputs, Map<String, long[]> outputs) {}

    private final Engine engine;
    private final SavedModelBundle bundle;
    private final Map<String, SignatureShape> signatures;
    private final Map<String, TfSymbolBlock> blocks = new LinkedHashMap<>();
    private final long[] imageShape;
    private volatile boolean closed;

    private SavedModelRunner(Engine engine, SavedModelBundle bundle, int[] hwc) {
        this.engine = engine;
        this.bundle = bundle;
        this.signatures = describe(bundle);
        this.imageShape = new long[] {hwc[0], hwc[1], hwc[2]};
    }

    /** Loads {@code saved_model.pb} and its variables once, with the {@code serve} tag ({@link SignatureContract#TAG}). */
    public static SavedModelRunner load(Path savedModelDir, int[] hwc) {
        Engine engine = TensorFlowNatives.bootstrap();
        SavedModelBundle bundle;
        try {
            bundle = JavacppUtils.loadSavedModelBundle(
                    savedModelDir.toString(),
                    new String[] {SignatureContract.TAG},
                    JavacppUtils.getSessionConfig(),
                    null);
        } catch (RuntimeException e) {
            // the natives are up (bootstrap passed): a refusal here is about the files, a corrupt checkpoint
            throw new CheckpointException(
                    savedModelDir.resolve(SignatureContract.SAVED_MODEL_FILE) + ": TensorFlow cannot load the "
                            + "SavedModel (corrupt or not a SavedModel): " + e.getMessage(),
                    e);
        }
        return new SavedModelRunner(engine, bundle, hwc);
    }

    public Map<String, SignatureShape> signatures() {
        return signatures;
    }

    /**
     * Checks this SavedModel's signatures against what {@code metadata} implies ({@link SignatureContract}).
     *
     * @param savedModel the {@code saved_model.pb} the messages name
     * @throws CheckpointException naming every problem found
     */
    public void checkSignatures(Path savedModel, ModelMetadata metadata) {
        Map<String, Map<String, long[]>> inputs = new LinkedHashMap<>();
        Map<String, Map<String, long[]>> outputs = new LinkedHashMap<>();
        signatures.forEach((key, shape) -> {
            inputs.put(key, shape.inputs());
            outputs.put(key, shape.outputs());
        });
        SignatureContract.check(savedModel, metadata, inputs, outputs);
    }

    /** Whether the SavedModel has the signature {@code key}. */
    public boolean has(String key) {
        return signatures.containsKey(key);
    }

    /** Builds the blocks of the signatures this model will call; call after checking {@link #signatures()}. */
    public synchronized void prepare(String... signatureKeys) {
        for (String key : signatureKeys) {
            if (!signatures.containsKey(key)) throw new ModelException("the SavedModel has no signature '" + key + "'");
            blocks.computeIfAbsent(key, k -> new TfSymbolBlock(bundle, k));
        }
    }

    public Session newSession() {
        if (closed) throw new ModelException("the model is closed");
        return new Session(engine.newBaseManager());
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        // the blocks only borrow the bundle; TfSymbolBlock.close() would close the shared bundle once per block
        bundle.close();
    }

    private TfSymbolBlock block(String key) {
        TfSymbolBlock block = blocks.get(key);
        if (block == null) throw new ModelException("signature '" + key + "' was not prepared");
        return block;
    }

    private static Map<String, SignatureShape> describe(SavedModelBundle bundle) {
        Map<String, SignatureShape> out = new TreeMap<>();
        for (Map.Entry<String, SignatureDef> e :
                bundle.getMetaGraphDef().getSignatureDefMap().entrySet()) {
            out.put(
                    e.getKey(),
                    new SignatureShape(
                            dims(e.getValue().getInputsMap()), dims(e.getValue().getOutputsMap())));
        }
        return out;
    }

    private static Map<String, long[]> dims(Map<String, TensorInfo> tensors) {
        Map<String, long[]> out = new TreeMap<>();
        tensors.forEach((name, info) -> out.put(
                name,
                info.getTensorShape().getUnknownRank()
                        ? null
                        : info.getTensorShape().getDimList().stream()
                                .mapToLong(TensorShapeProto.Dim::getSize)
                                .toArray()));
        return out;
    }

    /** The outputs of {@code gradcam}, flattened row-major: logits {@code [n, K]}, cam {@code [n, H, W]}. */
    public record GradCamOutputs(float[] logits, float[] cam) {}

    /**
     * The outputs of {@code explain_checked}: logits {@code [n, K]}, boundary and counterfactual logits {@code [n, K]}
     * flattened row-major; ∇ₓ f_top1, x_δ and x_cf one flattened image per row ({@code grad_margin} is not read).
     */
    public record CheckedOutputs(
            float[] logits,
            float[][] gradTop1,
            float[][] boundary,
            float[][] counterfactual,
            float[] boundaryLogits,
            float[] counterfactualLogits) {}

    /** The outputs of {@code explain} / {@code explain_to}, flattened row-major. */
    public record Gradients(float[] logits, float[] gradTop1, float[] gradMargin) {}

    /** A per-thread handle; not thread-safe. */
    public final class Session implements AutoCloseable {
        private final NDManager manager;
        private final ParameterStore parameters = new ParameterStore();

        private Session(NDManager manager) {
            this.manager = manager;
        }

        /** {@code serving_default}: the logits {@code [n, K]} of {@code n} images. */
        public float[] logits(float[] images, int n) {
            try (NDManager call = manager.newSubManager()) {
                NDList out = run(SignatureContract.SERVING, call, new NDList(images(call, images, n)));
                return out.get(SignatureContract.LOGITS).toFloatArray();
            }
        }

        /** {@code gradcam}: the logits and the class-activation map {@code [n, H, W]} for class {@code targets[i]}. */
        public GradCamOutputs gradCam(float[] images, int n, int[] targets) {
            try (NDManager call = manager.newSubManager()) {
                NDArray target = call.create(targets, new Shape(n));
                target.setName(SignatureContract.TARGET);
                NDList out = run(GRADCAM, call, new NDList(images(call, images, n), target));
                return new GradCamOutputs(
                        out.get(SignatureContract.LOGITS).toFloatArray(),
                        out.get(CAM).toFloatArray());
            }
        }

        /** Whether this model has, and was prepared with, the signature {@code key}. */
        public boolean has(String key) {
            return blocks.containsKey(key);
        }

        /** {@code explain}: logits and the gradients of f_top1 and of the top-1/top-2 margin. */
        public Gradients explain(float[] images, int n) {
            try (NDManager call = manager.newSubManager()) {
                return gradients(run(SignatureContract.EXPLAIN, call, new NDList(images(call, images, n))));
            }
        }

        /** {@code explain_to}: as {@link #explain}, the margin taken against {@code targets[i]}. */
        public Gradients explainTo(float[] images, int n, int[] targets) {
            try (NDManager call = manager.newSubManager()) {
                NDArray target = call.create(targets, new Shape(n));
                target.setName(SignatureContract.TARGET);
                return gradients(run(SignatureContract.EXPLAIN_TO, call, new NDList(images(call, images, n), target)));
            }
        }

        /**
         * {@code explain_checked}: the explanation toward the runner-up and its self-check in one session run, with
         * step factor {@code t}; the per-image outputs are read straight from the result tensors, one copy each.
         */
        public CheckedOutputs explainChecked(float[] images, int n, double t) {
            try (NDManager call = manager.newSubManager()) {
                NDArray step = call.create(t);
                step.setName(SignatureContract.STEP);
                NDList out = run(SignatureContract.EXPLAIN_CHECKED, call, new NDList(images(call, images, n), step));
                int size = images.length / n;
                return new CheckedOutputs(
                        out.get(SignatureContract.LOGITS).toFloatArray(),
                        rows(out.get(SignatureContract.GRAD_TOP1), n, size),
                        rows(out.get(SignatureContract.BOUNDARY), n, size),
                        rows(out.get(SignatureContract.COUNTERFACTUAL), n, size),
                        out.get(SignatureContract.BOUNDARY_LOGITS).toFloatArray(),
                        out.get(SignatureContract.COUNTERFACTUAL_LOGITS).toFloatArray());
            }
        }

        private static float[][] rows(NDArray array, int n, int size) {
            if (array.size() != (long) n * size) {
                throw new ModelException("output '" + array.getName() + "' has " + array.size() + " values, expected "
                        + (long) n * size);
            }
            FloatBuffer buffer = array.toByteBuffer().asFloatBuffer();
            float[][] out = new float[n][size];
            for (float[] row : out) buffer.get(row);
            return out;
        }

        private NDArray images(NDManager call, float[] images, int n) {
            long[] dims = {n, imageShape[0], imageShape[1], imageShape[2]};
            if ((long) images.length != n * imageShape[0] * imageShape[1] * imageShape[2]) {
                throw new ModelException("batch of " + n + " images needs "
                        + n * imageShape[0] * imageShape[1] * imageShape[2] + " floats, got " + images.length);
            }
            NDArray array = call.create(images, new Shape(dims));
            array.setName(SignatureContract.IMAGES);
            return array;
        }

        private NDList run(String key, NDManager call, NDList inputs) {
            if (closed) throw new ModelException("the model is closed");
            try {
                NDList out = block(key).forward(parameters, inputs, false);
                out.attach(call);
                return out;
            } catch (ModelException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new ModelException("signature '" + key + "' failed: " + e.getMessage(), e);
            }
        }

        private Gradients gradients(NDList out) {
            return new Gradients(
                    out.get(SignatureContract.LOGITS).toFloatArray(),
                    out.get(SignatureContract.GRAD_TOP1).toFloatArray(),
                    out.get(SignatureContract.GRAD_MARGIN).toFloatArray());
        }

        @Override
        public void close() {
            manager.close();
        }
    }
}
