package io.otnn.reproduction.models;

import io.otnn.checkpoint.ModelMetadata;
import java.nio.file.Path;

/**
 * One network of the report: trained by this run or reused from an earlier one, with the figures of its training.
 *
 * @param trained         true when this run trained it, false when {@code --model}/{@code --models} supplied it
 * @param command         the {@code otnn train} command that trains the same network (for a reused checkpoint: the
 *                        one its metadata describes)
 * @param epochs          epochs of its training (from its metadata when reused), or -1 when unknown
 * @param trainImages     images it was trained on, or -1 when unknown
 * @param testImages      test images of its evaluation
 * @param testAccuracy    its test accuracy (its checkpoint's evaluation)
 * @param gradientNorm    min / mean / max of ‖∇ₓ f_top1‖ over the test images
 * @param boundaryResidual binary models: mean |f(x_δ)| on the test set (Prop. 2), else NaN
 * @param secondsPerEpoch mean wall time of an epoch, or NaN when unknown
 * @param trainSeconds    wall time of the whole training in this run (0 when reused)
 */
public record ModelRun(
        ModelRole role,
        Path checkpoint,
        ModelMetadata metadata,
        boolean trained,
        String command,
        int epochs,
        int trainImages,
        int testImages,
        double testAccuracy,
        double[] gradientNorm,
        double boundaryResidual,
        double secondsPerEpoch,
        double trainSeconds) {}
