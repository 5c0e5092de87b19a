package io.otnn.trainer.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The reference sample of certificates that the stream's drift test (two-sample Kolmogorov–Smirnov) compares each
 * metric window with: a simple random sample without replacement of the test set's certificates, at most
 * {@link #MAX_SIZE} of them, drawn with a fixed seed so that the same model and test set give the same sample.
 * A random sample rather than evenly spaced quantiles: the KS p-value assumes both samples are i.i.d. draws.
 */
public final class CertificateSample {

    public static final int MAX_SIZE = 1000;
    public static final long SEED = 0x5eed_0f_ce71L;

    private CertificateSample() {}

    /** The sample of {@code certificates} (all of them when there are at most {@code maxSize}), sorted ascending. */
    public static double[] draw(double[] certificates, int maxSize, long seed) {
        double[] pool = certificates.clone();
        int n = Math.min(maxSize, pool.length);
        SplittableRandom random = new SplittableRandom(seed);
        // partial Fisher–Yates: the first n slots become a uniform sample without replacement
        for (int i = 0; i < n; i++) {
            int j = i + random.nextInt(pool.length - i);
            double t = pool[i];
            pool[i] = pool[j];
            pool[j] = t;
        }
        double[] sample = Arrays.copyOf(pool, n);
        Arrays.sort(sample);
        return sample;
    }

    public static double[] draw(double[] certificates) {
        return draw(certificates, MAX_SIZE, SEED);
    }
}
