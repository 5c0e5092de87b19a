package io.otnn.trainer.layers;

import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Dense layer whose kernel is spectrally normalised (power iteration, u kept between steps) and then orthogonalised
 * by Björck (paper A.2.2, deel-lip {@code SpectralDense}): every singular value of the kernel is 1 (≤ 1 when Björck
 * has not converged), so the layer is 1-Lipschitz and gradient-norm preserving.
 */
public final class SpectralDense extends SpectralLayer implements ExplicitGradient.Affine {

    private final int units;
    private final float betaBjorck;
    private final float epsBjorck;
    private final int maxIterBjorck;
    private final float epsSpectral;
    private final int maxIterSpectral;

    private long in;

    public SpectralDense(int units) {
        this(
                units,
                Normalizers.DEFAULT_BETA_BJORCK,
                Normalizers.DEFAULT_EPS_BJORCK,
                Normalizers.bjorckIterations(),
                Normalizers.DEFAULT_EPS_SPECTRAL,
                Normalizers.spectralIterations());
    }

    public SpectralDense(
            int units, float betaBjorck, float epsBjorck, int maxIterBjorck, float epsSpectral, int maxIterSpectral) {
        Normalizers.checkRange("units", units, 1, 1 << 20);
        Normalizers.checkRange("betaBjorck", betaBjorck, 0.0, 0.5);
        Normalizers.checkRange("epsBjorck", epsBjorck, 0.0, 1.0);
        Normalizers.checkRange("maxIterBjorck", maxIterBjorck, 0, 1000);
        Normalizers.checkRange("epsSpectral", epsSpectral, 0.0, 1.0);
        Normalizers.checkRange("maxIterSpectral", maxIterSpectral, 1, 1000);
        this.units = units;
        this.betaBjorck = betaBjorck;
        this.epsBjorck = epsBjorck;
        this.maxIterBjorck = maxIterBjorck;
        this.epsSpectral = epsSpectral;
        this.maxIterSpectral = maxIterSpectral;
    }

    @Override
    public long[] build(Ops tf, long[] inputShape, Random random) {
        if (inputShape.length != 1) {
            throw new IllegalArgumentException(
                    "SpectralDense needs a flat input, got shape " + java.util.Arrays.toString(inputShape));
        }
        in = inputShape[0];
        long[] shape = {in, units};
        kernel = Vars.create(tf, "kernel", shape, Init.glorotUniform(random, (int) (in * units), in, units));
        bias = Vars.create(tf, "bias", new long[] {units}, new float[units]);
        u = Vars.create(tf, "u", new long[] {1, units}, Init.normal(random, units));
        frozenKernel = Vars.create(tf, "frozen_kernel", shape, new float[(int) (in * units)]);
        return new long[] {units};
    }

    /** Spectral normalisation, then Björck. */
    @Override
    Normalizers.Spectral normalize(Ops tf) {
        Normalizers.Spectral sn = Normalizers.spectralNormalization(tf, kernel, u, epsSpectral, maxIterSpectral);
        lastSpectral = sn.normalized();
        Operand<TFloat32> w = Normalizers.bjorck(tf, sn.normalized(), in, units, betaBjorck, epsBjorck, maxIterBjorck);
        return new Normalizers.Spectral(w, sn.u(), sn.sigma());
    }

    @Override
    public Operand<TFloat32> infer(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> params) {
        return tf.math.add(tf.linalg.matMul(x, params.get(0)), params.get(1));
    }

    @Override
    public String describe() {
        return "SpectralDense(" + units + ")";
    }
}
