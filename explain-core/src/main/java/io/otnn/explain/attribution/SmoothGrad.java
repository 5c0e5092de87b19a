package io.otnn.explain.attribution;

import io.otnn.explain.Explainer;
import java.util.Random;

/**
 * SmoothGrad (Smilkov et al. 2017; Xplique {@code SmoothGrad}): the mean of ∇ₓ f_c(x + ε), ε ~ N(0, σ²I), over
 * {@code samples} draws; signed, as Xplique returns it. As in Xplique, one set of noise draws (seeded) is shared by all
 * images of a call, so results do not depend on how images are grouped.
 */
public final class SmoothGrad implements AttributionMethod {

    public static final int DEFAULT_SAMPLES = 50;
    public static final double DEFAULT_SIGMA = 0.2;

    private final int samples;
    private final double sigma;
    private final long seed;

    public SmoothGrad() {
        this(DEFAULT_SAMPLES, DEFAULT_SIGMA, 0L);
    }

    public SmoothGrad(int samples, double sigma, long seed) {
        if (samples < 1) throw new IllegalArgumentException("samples must be >= 1, got " + samples);
        if (!(sigma >= 0)) throw new IllegalArgumentException("sigma must be >= 0, got " + sigma);
        this.samples = samples;
        this.sigma = sigma;
        this.seed = seed;
    }

    @Override
    public String name() {
        return "SmoothGrad";
    }

    @Override
    public float[][] attribute(Explainer explainer, float[][] images, int[] labels) {
        int size = explainer.metadata().input().size();
        Random random = new Random(seed);
        float[] noise = new float[samples * size];
        for (int q = 0; q < noise.length; q++) noise[q] = (float) (sigma * random.nextGaussian());
        float[][] out = new float[images.length][size];
        // group images so that one engine call carries about ClassGradients.CHUNK noisy copies
        int perCall = Math.max(1, ClassGradients.CHUNK / samples);
        for (int start = 0; start < images.length; start += perCall) {
            int m = Math.min(perCall, images.length - start);
            float[] batch = new float[m * samples * size];
            int[] batchLabels = new int[m * samples];
            for (int i = 0; i < m; i++) {
                for (int s = 0; s < samples; s++) {
                    int row = (i * samples + s) * size;
                    for (int p = 0; p < size; p++) batch[row + p] = images[start + i][p] + noise[s * size + p];
                    batchLabels[i * samples + s] = labels[start + i];
                }
            }
            float[] g = ClassGradients.of(explainer, batch, m * samples, batchLabels);
            for (int i = 0; i < m; i++) {
                float[] acc = out[start + i];
                for (int s = 0; s < samples; s++) {
                    int row = (i * samples + s) * size;
                    for (int p = 0; p < size; p++) acc[p] += g[row + p];
                }
                for (int p = 0; p < size; p++) acc[p] /= samples;
            }
        }
        return out;
    }
}
