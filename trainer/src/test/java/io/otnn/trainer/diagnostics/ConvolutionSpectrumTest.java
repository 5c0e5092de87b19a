package io.otnn.trainer.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.trainer.layers.Normalizers;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.EagerSession;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The convolution's DFT bound and power iteration against closed forms (the kernel whose every tap is I/3, a Björck
 * fixed point of the reshaped kernel), against explicitly built matrices of the zero-padded and of the circular
 * convolution (singular values by the Jacobi SVD), and the plain-Java convolution against TensorFlow's.
 */
class ConvolutionSpectrumTest {

    @Test
    void shouldMatchTheClosedFormsWhenEveryTapIsAThirdOfTheIdentity() {
        int h = 28, c = 2;
        double factor = Normalizers.convLipschitzFactor(3, 3, 1, 1, h, h);
        assertThat(factor).isCloseTo(28.0 / 82.0, within(1e-15));
        double[] k = new double[9 * c * c];
        for (int t = 0; t < 9; t++) for (int i = 0; i < c; i++) k[(t * c + i) * c + i] = factor / 3;
        ConvolutionSpectrum.Kernel kernel = new ConvolutionSpectrum.Kernel(3, 3, c, c, k);

        double circular = ConvolutionSpectrum.circularBound(kernel, h + 2, h + 2);
        double bound = ConvolutionSpectrum.dftBound(kernel, h, h);
        MatrixSpectrum.PowerIteration exact = ConvolutionSpectrum.zeroPaddedNorm(kernel, h, h, 100_000, 1e-14, 2);

        // K̂(0) = 9·(factor/3)·I: the circular norm is 3·factor, reached at ω = 0
        assertThat(circular).isBetween(3 * factor, 3 * factor * (1 + 1e-5));
        assertThat(bound).isEqualTo(circular);
        // the zero-padded operator is (T ⊗ T)·factor/3, T the h×h tridiagonal matrix of ones: λ_max(T) = 1 +
        // 2cos(π/(h+1))
        double closed = Math.pow(1 + 2 * Math.cos(Math.PI / (h + 1)), 2) / 3 * factor;
        assertThat(exact.sigma()).isCloseTo(closed, within(1e-9));
        assertThat(closed).isCloseTo(1.0164, within(1e-4));
        assertThat(bound).isGreaterThan(exact.sigma());
    }

    @Test
    void shouldAgreeWithTheExplicitMatricesWhenTheConvolutionIsTiny() {
        int h = 4, w = 4, cin = 2, cout = 3;
        Random random = new Random(3);
        double[] k = new double[9 * cin * cout];
        for (int i = 0; i < k.length; i++) k[i] = random.nextGaussian();
        ConvolutionSpectrum.Kernel kernel = new ConvolutionSpectrum.Kernel(3, 3, cin, cout, k);
        double zeroPadded = MatrixSpectrumTest.largestSingularValue(explicitMatrix(kernel, h, w, false));
        double circular = MatrixSpectrumTest.largestSingularValue(explicitMatrix(kernel, h + 2, w + 2, true));

        double bound = ConvolutionSpectrum.dftBound(kernel, h, w);
        MatrixSpectrum.PowerIteration p = ConvolutionSpectrum.zeroPaddedNorm(kernel, h, w, 100_000, 1e-14, 4);

        assertThat(p.sigma()).isCloseTo(zeroPadded, within(1e-5));
        assertThat(bound).isGreaterThanOrEqualTo(zeroPadded);
        assertThat(bound).as("the circular norm on 6×6").isBetween(circular, circular + 1e-5);
        assertThat(circular).as("a strict bound on so small an input").isGreaterThan(zeroPadded + 1e-3);
    }

    @Test
    void shouldComputeTensorFlowsConvolutionAndItsAdjointWhenThePaddingIsSame() {
        Random random = new Random(9);
        for (int size : new int[] {3, 2}) {
            int h = 5, w = 6, cin = 3, cout = 4;
            float[] k = new float[size * size * cin * cout];
            float[] x = new float[h * w * cin];
            for (int i = 0; i < k.length; i++) k[i] = (float) random.nextGaussian();
            for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
            ConvolutionSpectrum.Kernel kernel =
                    new ConvolutionSpectrum.Kernel(size, size, cin, cout, LipschitzAudit.toDouble(k));
            double[] y = new double[h * w * cout];
            ConvolutionSpectrum.apply(kernel, h, w, LipschitzAudit.toDouble(x), y);

            float[] expected = new float[h * w * cout];
            try (EagerSession session = EagerSession.create()) {
                Ops tf = Ops.create(session);
                Operand<TFloat32> xt = tf.constant(Shape.of(1, h, w, cin), DataBuffers.of(x));
                Operand<TFloat32> kt = tf.constant(Shape.of(size, size, cin, cout), DataBuffers.of(k));
                tf.nn.conv2d(xt, kt, List.of(1L, 1L, 1L, 1L), "SAME").asTensor().read(DataBuffers.of(expected));
            }
            for (int i = 0; i < y.length; i++)
                assertThat(y[i]).as("%dx%d at %d", size, size, i).isCloseTo(expected[i], within(1e-4));

            double[] g = new double[y.length];
            for (int i = 0; i < g.length; i++) g[i] = random.nextGaussian();
            double[] back = new double[x.length];
            ConvolutionSpectrum.applyTransposed(kernel, h, w, g, back);
            assertThat(MatrixSpectrum.dot(back, LipschitzAudit.toDouble(x)))
                    .as("⟨Aᵀg, x⟩ = ⟨g, Ax⟩")
                    .isCloseTo(MatrixSpectrum.dot(g, y), within(1e-9));
        }
    }

    /**
     * The {@code (h·w·cout) × (h·w·cin)} matrix of the convolution, entry by entry from its definition: output (p, q, o)
     * takes K[i, j, c, o]·x[p + i − 1, q + j − 1, c], with zeros outside the input, or indices modulo (h, w).
     */
    static double[][] explicitMatrix(ConvolutionSpectrum.Kernel k, int h, int w, boolean circular) {
        double[][] a = new double[h * w * k.cout()][h * w * k.cin()];
        for (int p = 0; p < h; p++)
            for (int q = 0; q < w; q++)
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 3; j++) {
                        int r = p + i - 1, s = q + j - 1;
                        if (circular) {
                            r = Math.floorMod(r, h);
                            s = Math.floorMod(s, w);
                        } else if (r < 0 || r >= h || s < 0 || s >= w) continue;
                        for (int c = 0; c < k.cin(); c++)
                            for (int o = 0; o < k.cout(); o++)
                                a[(p * w + q) * k.cout() + o][(r * w + s) * k.cin() + c] += k.at(i, j, c, o);
                    }
        return a;
    }
}
