package io.otnn.trainer;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.trainer.eval.RobustnessEvaluation;
import java.nio.file.Path;

/**
 * What a run produced.
 *
 * @param checkpoint      the published checkpoint directory, or null when the run was stopped before the end
 * @param manifestDigest  SHA-256 of MANIFEST.sha256 (the checkpoint's identity), or null
 * @param secondsPerEpoch mean wall time of the epochs run in this process
 * @param normalizationShare share of a training step spent in the forward computation of the constraint (spectral
 *                        normalisation and Björck), timed apart on the training graph after training: a lower bound of
 *                        the constraint's cost, whose backward pass is as large again; 0 when unconstrained
 */
public record TrainingResult(
        Path checkpoint,
        ModelMetadata metadata,
        RobustnessEvaluation evaluation,
        String manifestDigest,
        int epochsCompleted,
        boolean stopped,
        double secondsPerEpoch,
        double imagesPerSecond,
        double normalizationShare) {}
