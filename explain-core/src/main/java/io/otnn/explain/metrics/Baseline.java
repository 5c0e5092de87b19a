package io.otnn.explain.metrics;

import java.util.Random;

/** The state removed variables are set to (paper A.4.2): zero, or uniform noise over the input range. */
public enum Baseline {
    ZERO,
    UNIFORM;

    /** Fills {@code out} with baseline values for inputs in [min, max]. */
    void fill(float[] out, Random random, double min, double max) {
        for (int i = 0; i < out.length; i++) {
            out[i] = this == ZERO ? 0f : (float) (min + (max - min) * random.nextDouble());
        }
    }

    public String label() {
        return this == ZERO ? "zero" : "uniform";
    }
}
