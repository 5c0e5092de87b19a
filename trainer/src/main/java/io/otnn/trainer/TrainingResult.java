package io.otnn.trainer;

import io.otnn.explain.checkpoint.ModelMetadata;
import io.otnn.trainer.eval.Evaluation;
import java.nio.file.Path;

/**
 * What a run produced.
 *
 * @param checkpoint      the published checkpoint directory, or null when the run was stopped before the end
 * @param manifestDigest  SHA-256 of MANIFEST.sha256 (the checkpoint's identity), or null
 * @param secondsPerEpoch mean wall time of the epochs run in this process
 * @param normalizationShare share of a training step spent computing the constraint (spectral normalisation and
 *                        Björck, forward only), measured once on the training graph; 0 for unconstrained networks
 */
public record TrainingResult(Path checkpoint, ModelMetadata metadata, Evaluation evaluation, String manifestDigest,
                             int epochsCompleted, boolean stopped, double secondsPerEpoch, double imagesPerSecond,
                             double normalizationShare) {
}
