package io.otnn.checkpoint;

/**
 * The certified L2 radius of a prediction (docs/checkpoint-format.md): (f_k* − f_j) / (c · L) with k* the predicted
 * class and j the runner-up; binary models |f| / L. The trainer's evaluation and the explainer compute it here.
 */
public final class Certificate {

    /**
     * c for one 1-Lipschitz vector map: the row vector e_i − e_j has norm √2, so the margin moves by at most √2 · L
     * (deel-lip's convention for multiclass certificates).
     */
    public static final double VECTOR_MAP_FACTOR = Math.sqrt(2.0);
    /** c for independent 1-Lipschitz heads: each logit moves by up to L, their difference by up to 2L. */
    public static final double INDEPENDENT_HEADS_FACTOR = 2.0;
    /** c of a binary model (one logit): the radius is |f| / L. */
    public static final double BINARY_FACTOR = 1.0;

    private Certificate() {}

    /** Multiclass: the radius of a top-1 / runner-up logit margin {@code f_k* − f_j}. */
    public static double radius(double runnerUpMargin, double certificateFactor, double lipschitzConstant) {
        return runnerUpMargin / (certificateFactor * lipschitzConstant);
    }

    /** Binary: the radius of the one logit f. */
    public static double binaryRadius(double logit, double lipschitzConstant) {
        return Math.abs(logit) / lipschitzConstant;
    }
}
