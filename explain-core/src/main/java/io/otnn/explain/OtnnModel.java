package io.otnn.explain;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.checkpoint.SignatureContract;
import io.otnn.explain.checkpoint.Checkpoint;
import io.otnn.explain.engine.SavedModelRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A verified, loaded OTNN checkpoint. Load once, then either take one {@link Explainer} per thread
 * ({@link #newExplainer()}) or call the thread-safe pooled {@link #explain(float[][], int[])}.
 */
public final class OtnnModel implements AutoCloseable {

    private final Checkpoint checkpoint;
    private final SavedModelRunner runner;
    private final ConcurrentLinkedQueue<Explainer> pool = new ConcurrentLinkedQueue<>();

    private OtnnModel(Checkpoint checkpoint, SavedModelRunner runner) {
        this.checkpoint = checkpoint;
        this.runner = runner;
    }

    /**
     * Verifies the checkpoint (manifest, metadata, signatures) and loads its SavedModel once.
     *
     * @throws io.otnn.checkpoint.CheckpointException when the checkpoint is missing, corrupt, incomplete or
     *                                                        tampered
     * @throws ModelException                                 when the engine cannot load or run it
     */
    public static OtnnModel load(Path dirOrArchive) {
        Checkpoint checkpoint = Checkpoint.open(dirOrArchive);
        SavedModelRunner runner = null;
        try {
            ModelMetadata.Input in = checkpoint.metadata().input();
            runner = SavedModelRunner.load(checkpoint.dir(), new int[] {in.height(), in.width(), in.channels()});
            runner.checkSignatures(checkpoint.dir().resolve(Checkpoint.SAVED_MODEL), checkpoint.metadata());
            runner.prepare(SignatureContract.SERVING, SignatureContract.EXPLAIN, SignatureContract.EXPLAIN_TO);
            if (runner.has(SavedModelRunner.GRADCAM)) runner.prepare(SavedModelRunner.GRADCAM);
            if (runner.has(SavedModelRunner.EXPLAIN_CHECKED)) runner.prepare(SavedModelRunner.EXPLAIN_CHECKED);
            return new OtnnModel(checkpoint, runner);
        } catch (RuntimeException e) {
            if (runner != null) runner.close();
            checkpoint.close();
            throw e;
        }
    }

    public ModelMetadata metadata() {
        return checkpoint.metadata();
    }

    /** SHA-256 of the checkpoint's manifest: its identity. */
    public String digest() {
        return checkpoint.digest();
    }

    /** A new explainer with its own engine session; not thread-safe, close it when the thread is done. */
    public Explainer newExplainer() {
        return new Explainer(checkpoint.metadata(), runner.newSession());
    }

    /** Thread-safe: explains with a pooled explainer (t = {@link Explainer#DEFAULT_T}). */
    public List<ImageExplanation> explain(float[][] images, int[] targets) {
        Explainer explainer = pool.poll();
        if (explainer == null) explainer = newExplainer();
        try {
            return explainer.explain(images, targets);
        } finally {
            pool.offer(explainer);
        }
    }

    public List<ImageExplanation> explain(float[][] images) {
        return explain(images, null);
    }

    @Override
    public void close() {
        Explainer e;
        while ((e = pool.poll()) != null) e.close();
        runner.close();
        checkpoint.close();
    }
}
