package io.otnn.trainer.export;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.checkpoint.SignatureContract;
import io.otnn.explain.engine.SavedModelRunner;
import io.otnn.trainer.eval.ModelRunner;
import java.nio.file.Path;

/**
 * An exported SavedModel reloaded with explain-core's {@link SavedModelRunner}, the loader the explainer runs, and
 * called through its signatures: what the export check and the evaluation see is what the explainer will compute.
 */
public final class ReloadedModel implements ModelRunner, AutoCloseable {

    private final SavedModelRunner runner;
    private final SavedModelRunner.Session session;
    private final int logits;

    public ReloadedModel(Path dir, long[] inputShape, int logits) {
        this.runner =
                SavedModelRunner.load(dir, new int[] {(int) inputShape[0], (int) inputShape[1], (int) inputShape[2]});
        try {
            runner.prepare(SignatureContract.SERVING, SignatureContract.EXPLAIN, SignatureContract.EXPLAIN_TO);
            this.session = runner.newSession();
        } catch (RuntimeException e) {
            runner.close();
            throw e;
        }
        this.logits = logits;
    }

    /** Checks the signatures against the metadata, as the explainer does when it loads the checkpoint. */
    public void checkSignatures(Path savedModel, ModelMetadata metadata) {
        runner.checkSignatures(savedModel, metadata);
    }

    @Override
    public int logitCount() {
        return logits;
    }

    @Override
    public float[] logits(float[] x, int n) {
        return session.logits(x, n);
    }

    @Override
    public Outputs explain(float[] x, int n) {
        return outputs(session.explain(x, n));
    }

    /** The {@code explain_to} signature with a target class per image. */
    public Outputs explainTo(float[] x, int n, int[] target) {
        return outputs(session.explainTo(x, n, target));
    }

    private static Outputs outputs(SavedModelRunner.Gradients g) {
        return new Outputs(g.logits(), g.gradTop1(), g.gradMargin());
    }

    @Override
    public void close() {
        try {
            session.close();
        } finally {
            runner.close();
        }
    }
}
