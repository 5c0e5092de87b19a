package io.otnn.trainer.eval;

/** Something that computes logits and the explain gradients for a batch: the training graph or a reloaded SavedModel ({@code export.ReloadedModel}). */
public interface ModelRunner {

    /** Outputs for one batch: logits {@code [n·K]}, grad_top1 and grad_margin {@code [n·d]}, row-major. */
    record Outputs(float[] logits, float[] gradTop1, float[] gradMargin) {}

    int logitCount();

    float[] logits(float[] images, int n);

    Outputs explain(float[] images, int n);
}
