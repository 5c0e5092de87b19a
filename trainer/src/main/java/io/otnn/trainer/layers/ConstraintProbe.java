package io.otnn.trainer.layers;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Exposes the intermediate results of a spectral layer's constraint in the training graph, so that the time of
 * spectral normalisation and of Björck can be measured apart (fetching them runs only their forward computation).
 */
public interface ConstraintProbe {

    /** W / σ, after the power iteration (set by {@link Layer#train}). */
    Operand<TFloat32> spectralOutput();

    /** The orthogonalised kernel, after Björck (set by {@link Layer#train}). */
    Operand<TFloat32> bjorckOutput();
}
