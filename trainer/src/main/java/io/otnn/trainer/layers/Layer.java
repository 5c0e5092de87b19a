package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * One layer, in two forms: the training form (raw variables, with the constraint applied at every step) and the
 * inference form (frozen, already-normalised parameters, exported as the checkpoint's weights).
 *
 * <p>Lifecycle: {@link #build} once with the input shape (without the batch axis), then {@link #train} to build the
 * training forward pass, {@link #condense} to refresh the inference parameters from the raw weights, and
 * {@link #infer} with either {@link #inferenceParameters} (evaluation inside the training graph) or constants of
 * another graph (export).
 */
public interface Layer {

    /** Creates the variables; returns the output shape without the batch axis. */
    long[] build(Ops tf, long[] inputShape, Random random);

    /** The training forward pass; ops that must run with each step (power iteration state, batch statistics) go to {@code updates}. */
    default Operand<TFloat32> train(Ops tf, Operand<TFloat32> x, List<Op> updates) {
        return infer(tf, x, inferenceParameters());
    }

    /** Ops that store the current normalised parameters into {@link #inferenceParameters()}. */
    default List<Op> condense(Ops tf) {
        return List.of();
    }

    /** The parameters of the inference form, as variables of the training graph (empty for parameter-free layers). */
    default List<Operand<TFloat32>> inferenceParameters() {
        return List.of();
    }

    /** The inference form with the given parameters (same order and shapes as {@link #inferenceParameters()}). */
    Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params);

    /** Variables that the optimiser updates. */
    default List<Variable<TFloat32>> trainableVariables() {
        return List.of();
    }

    /** Variables that are state but not trained (u of the power iteration, moving statistics, frozen copies). */
    default List<Variable<TFloat32>> stateVariables() {
        return List.of();
    }

    /**
     * An upper bound of the layer's L2 Lipschitz constant given its frozen parameters: 1 for the constrained layers
     * (by construction), an estimate by power iteration for the unconstrained ones.
     */
    default double lipschitzBound(List<Param> params) {
        return 1.0;
    }

    /** True for layers whose Lipschitz constant is at most 1 by construction. */
    boolean constrained();

    /** Short description for the metadata, e.g. {@code SpectralDense(512)}. */
    String describe();
}
