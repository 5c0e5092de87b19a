package io.otnn.trainer.layers;

import java.util.Random;

/** Seeded weight initialisers (plain Java, so that the same seed gives the same network on any machine). */
public final class Init {
    private Init() {}

    /** Glorot (Xavier) uniform: U(−√(6/(fanIn+fanOut)), +…). */
    public static float[] glorotUniform(Random random, int size, long fanIn, long fanOut) {
        double limit = Math.sqrt(6.0 / (fanIn + fanOut));
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
        return values;
    }

    /** Standard normal values (the power iteration's initial u). */
    public static float[] normal(Random random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    public static float[] filled(int size, float value) {
        float[] values = new float[size];
        java.util.Arrays.fill(values, value);
        return values;
    }
}
