package io.otnn.streams.fidelity;

import io.otnn.explain.metrics.Baseline;

/**
 * What the online fidelity measures and on how many images (the {@code fidelity.*} keys).
 *
 * @param sampleRate        share of the explained images whose fidelity is measured; 0 turns it off
 * @param muFidelitySamples µFidelity's random subsets per image (Xplique's default is 200)
 * @param grid              µFidelity's grid of cells (grid × grid over the image)
 * @param subsetFraction    share of the cells a subset removes
 * @param baseline          the value removed pixels take, for µFidelity and Deletion
 * @param deletionSteps     Deletion's steps (steps + 1 images per image)
 * @param seed              seeds µFidelity's subsets (and the uniform baselines)
 */
public record FidelitySettings(
        double sampleRate,
        int muFidelitySamples,
        int grid,
        double subsetFraction,
        Baseline baseline,
        int deletionSteps,
        long seed) {

    /** No image is measured. */
    public static final FidelitySettings DISABLED = new FidelitySettings(0, 50, 20, 0.2, Baseline.ZERO, 10, 0);

    public FidelitySettings {
        if (!(sampleRate >= 0 && sampleRate <= 1)) {
            throw new IllegalArgumentException("the fidelity sample rate must be in [0, 1], got " + sampleRate);
        }
        if (muFidelitySamples < 2 || grid < 1 || deletionSteps < 1) {
            throw new IllegalArgumentException(
                    "µFidelity needs at least 2 subsets and a grid of 1, Deletion 1 step; got " + muFidelitySamples
                            + ", " + grid + ", " + deletionSteps);
        }
        if (!(subsetFraction > 0 && subsetFraction < 1)) {
            throw new IllegalArgumentException("the subset fraction must be in (0, 1), got " + subsetFraction);
        }
    }

    public boolean enabled() {
        return sampleRate > 0;
    }

    /** Images scored per measured image: the image and its subsets for µFidelity, the steps + 1 of Deletion. */
    public int rowsPerImage() {
        return muFidelitySamples + 1 + deletionSteps + 1;
    }
}
