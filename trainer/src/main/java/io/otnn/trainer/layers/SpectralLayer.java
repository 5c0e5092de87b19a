package io.otnn.trainer.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * What the spectrally normalised, Björck-orthogonalised layers share: a raw kernel that training updates, the power
 * iteration's u kept between steps, and the frozen normalised kernel that export reads. Subclasses say how their
 * kernel becomes a matrix ({@link #normalize}) and how it is applied ({@link #infer}).
 */
abstract class SpectralLayer implements Layer, ConstraintProbe {

    protected Variable<TFloat32> kernel;
    protected Variable<TFloat32> bias;
    protected Variable<TFloat32> u;
    protected Variable<TFloat32> frozenKernel;
    /** The spectrally normalised matrix of the last {@link #normalize} call, before Björck (for timing probes). */
    protected Operand<TFloat32> lastSpectral;

    private Operand<TFloat32> probeSpectral;
    private Operand<TFloat32> probeBjorck;

    /** The normalised kernel, in the layout {@link #infer} takes, and the new u. */
    abstract Normalizers.Spectral normalize(Ops tf);

    @Override
    public Operand<TFloat32> train(Ops tf, Operand<TFloat32> x, List<Op> updates) {
        Normalizers.Spectral n = normalize(tf);
        var w = tf.identity(n.normalized());
        probeBjorck = w;
        probeSpectral = lastSpectral;
        updates.add(tf.withControlDependencies(w).assign(u, n.u()));
        return infer(tf, x, List.of(w, bias));
    }

    @Override
    public List<Op> condense(Ops tf) {
        Normalizers.Spectral n = normalize(tf);
        var w = tf.identity(n.normalized());
        return List.of(tf.assign(frozenKernel, w), tf.withControlDependencies(w).assign(u, n.u()));
    }

    @Override
    public List<Operand<TFloat32>> inferenceParameters() {
        return List.of(frozenKernel, bias);
    }

    @Override
    public List<Variable<TFloat32>> trainableVariables() {
        return List.of(kernel, bias);
    }

    @Override
    public List<Variable<TFloat32>> stateVariables() {
        return List.of(u, frozenKernel);
    }

    @Override
    public Operand<TFloat32> spectralOutput() {
        return probeSpectral;
    }

    @Override
    public Operand<TFloat32> bjorckOutput() {
        return probeBjorck;
    }

    @Override
    public boolean constrained() {
        return true;
    }
}
