package io.otnn.explain.testing;

import java.util.List;

/**
 * A small dense network {@code x → W1 x + b1 → act → … → Wn x + bn} with known weights, and its forward pass in plain
 * Java (the independent computation tests compare the engine with). Weights are {@code [in][out]}.
 */
public record FixtureModel(List<float[][]> weights, List<float[]> biases, Activation activation) {

    public enum Activation {
        /** |x| elementwise (gradient-norm preserving). */
        ABS,
        /** GroupSort with groups of 2: each pair (a, b) becomes (min, max). */
        GROUP_SORT_2
    }

    public int inputSize() {
        return weights.get(0).length;
    }

    public int outputSize() {
        return weights.get(weights.size() - 1)[0].length;
    }

    /** Logits of one flattened image, in double precision. */
    public double[] forward(float[] x) {
        double[] h = new double[x.length];
        for (int i = 0; i < x.length; i++) h[i] = x[i];
        for (int l = 0; l < weights.size(); l++) {
            float[][] w = weights.get(l);
            double[] next = new double[w[0].length];
            for (int o = 0; o < next.length; o++) {
                double s = biases.get(l)[o];
                for (int i = 0; i < h.length; i++) s += w[i][o] * h[i];
                next[o] = s;
            }
            if (l < weights.size() - 1) {
                if (activation == Activation.ABS) {
                    for (int o = 0; o < next.length; o++) next[o] = Math.abs(next[o]);
                } else {
                    double[] sorted = new double[next.length];
                    int half = next.length / 2;
                    for (int p = 0; p < half; p++) {
                        sorted[2 * p] = Math.min(next[2 * p], next[2 * p + 1]);
                        sorted[2 * p + 1] = Math.max(next[2 * p], next[2 * p + 1]);
                    }
                    next = sorted;
                }
            }
            h = next;
        }
        return h;
    }

    /** A linear model f(x) = Wᵀx + b. */
    public static FixtureModel linear(float[][] w, float[] b) {
        return new FixtureModel(
                java.util.Collections.singletonList(w), java.util.Collections.singletonList(b), Activation.ABS);
    }

    /**
     * A random network with orthonormal-column layers (so each layer is 1-Lipschitz, like an OTNN's after Björck),
     * seeded.
     */
    public static FixtureModel random(long seed, Activation activation, int... sizes) {
        java.util.Random random = new java.util.Random(seed);
        java.util.List<float[][]> ws = new java.util.ArrayList<>();
        java.util.List<float[]> bs = new java.util.ArrayList<>();
        for (int l = 0; l + 1 < sizes.length; l++) {
            ws.add(orthonormal(random, sizes[l], sizes[l + 1]));
            float[] b = new float[sizes[l + 1]];
            for (int i = 0; i < b.length; i++) b[i] = (float) (0.1 * random.nextGaussian());
            bs.add(b);
        }
        return new FixtureModel(ws, bs, activation);
    }

    /** A random {@code [in][out]} matrix whose spectral norm is 1 (orthonormal rows or columns, Gram–Schmidt). */
    static float[][] orthonormal(java.util.Random random, int in, int out) {
        boolean tall = in >= out; // orthonormalise the shorter side's vectors
        int count = tall ? out : in;
        int length = tall ? in : out;
        double[][] v = new double[count][length];
        for (int a = 0; a < count; a++) {
            for (int i = 0; i < length; i++) v[a][i] = random.nextGaussian();
            for (int b = 0; b < a; b++) {
                double dot = 0;
                for (int i = 0; i < length; i++) dot += v[a][i] * v[b][i];
                for (int i = 0; i < length; i++) v[a][i] -= dot * v[b][i];
            }
            double norm = 0;
            for (int i = 0; i < length; i++) norm += v[a][i] * v[a][i];
            norm = Math.sqrt(norm);
            for (int i = 0; i < length; i++) v[a][i] /= norm;
        }
        float[][] w = new float[in][out];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) w[i][o] = (float) (tall ? v[o][i] : v[i][o]);
        }
        return w;
    }
}
