package io.otnn.trainer.export;

import io.otnn.trainer.eval.ModelRunner;
import io.otnn.trainer.layers.Param;
import java.nio.file.Path;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** A reloaded checkpoint, called through its signatures exactly as a consumer would. */
public final class SavedModelRunner implements ModelRunner, AutoCloseable {

    private final SavedModelBundle bundle;
    private final long[] inputShape;
    private final int logits;

    public SavedModelRunner(Path dir, long[] inputShape, int logits) {
        this.bundle = SavedModelBundle.load(dir.toString(), "serve");
        this.inputShape = inputShape.clone();
        this.logits = logits;
    }

    public SavedModelBundle bundle() {
        return bundle;
    }

    private TFloat32 tensor(float[] x, int n) {
        return TFloat32.tensorOf(Shape.of(n, inputShape[0], inputShape[1], inputShape[2]), DataBuffers.of(x, true, false));
    }

    @Override
    public int logitCount() {
        return logits;
    }

    @Override
    public float[] logits(float[] x, int n) {
        try (TFloat32 t = tensor(x, n); Result r = bundle.function("serving_default").call(Map.of(CheckpointExporter.IMAGES, t))) {
            return Param.of((TFloat32) r.get(CheckpointExporter.LOGITS).orElseThrow()).values();
        }
    }

    @Override
    public Outputs explain(float[] x, int n) {
        try (TFloat32 t = tensor(x, n); Result r = bundle.function("explain").call(Map.of(CheckpointExporter.IMAGES, t))) {
            return outputs(r);
        }
    }

    /** The {@code explain_to} signature with a target class per image. */
    public Outputs explainTo(float[] x, int n, int[] target) {
        try (TFloat32 t = tensor(x, n); TInt32 tg = TInt32.vectorOf(target);
             Result r = bundle.function("explain_to").call(Map.<String, Tensor>of(CheckpointExporter.IMAGES, t, CheckpointExporter.TARGET, tg))) {
            return outputs(r);
        }
    }

    private static Outputs outputs(Result r) {
        return new Outputs(Param.of((TFloat32) r.get(CheckpointExporter.LOGITS).orElseThrow()).values(),
                Param.of((TFloat32) r.get(CheckpointExporter.GRAD_TOP1).orElseThrow()).values(),
                Param.of((TFloat32) r.get(CheckpointExporter.GRAD_MARGIN).orElseThrow()).values());
    }

    @Override
    public void close() {
        bundle.close();
    }
}
