package io.otnn.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.otnn.explain.engine.TensorFlowNatives;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * This machine's fp32 matrix-multiplication peak as TensorFlow itself reaches it: the median FLOP/s of square
 * {@code MatMul}s (2·n³ FLOP each) run by TensorFlow's eager runtime through DJL, with the thread pools TensorFlow
 * chooses, for a few sizes; the best is the peak that model calls are compared with.
 */
public final class MachinePeak {

    /** The best median FLOP/s and the size it was reached at. */
    public record Peak(double flops, int n) {

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.1f GFLOP/s (fp32 MatMul %d×%d through TensorFlow)", flops / 1e9, n, n);
        }
    }

    private MachinePeak() {}

    public static void main(String[] args) {
        System.out.println("peak: " + measure());
    }

    public static Peak measure() {
        Engine engine = TensorFlowNatives.bootstrap();
        Peak best = new Peak(0, 0);
        try (NDManager manager = engine.newBaseManager()) {
            for (int n : new int[] {512, 1024, 2048}) {
                NDArray a = manager.create(random(n * n, 1), new Shape(n, n));
                NDArray b = manager.create(random(n * n, 2), new Shape(n, n));
                int repeats = n >= 2048 ? 8 : 30;
                double[] seconds = new double[repeats];
                for (int r = -3; r < repeats; r++) {
                    long t0 = System.nanoTime();
                    try (NDArray c = a.matMul(b)) {
                        c.getFloat(0, 0); // waits for the result
                    }
                    if (r >= 0) seconds[r] = (System.nanoTime() - t0) / 1e9;
                }
                Arrays.sort(seconds);
                double flops = 2.0 * n * n * n / seconds[repeats / 2];
                if (flops > best.flops()) best = new Peak(flops, n);
                a.close();
                b.close();
            }
        }
        return best;
    }

    private static float[] random(int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[size];
        for (int i = 0; i < size; i++) values[i] = (float) random.nextDouble(-1, 1);
        return values;
    }
}
