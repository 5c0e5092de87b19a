package io.otnn.explain.metrics;

import java.util.function.ToDoubleFunction;

/**
 * The inputs a perturbation metric scores for one image, and how their scores become the image's value. The metric's
 * own {@code perImage} scores them one image at a time; a caller that scores many images can concatenate their
 * inputs into one forward pass and hand each its slice of the scores.
 */
public final class PerturbedInputs {

    private final float[] inputs;
    private final int rows;
    private final ToDoubleFunction<float[]> value;

    PerturbedInputs(float[] inputs, int rows, ToDoubleFunction<float[]> value) {
        this.inputs = inputs;
        this.rows = rows;
        this.value = value;
    }

    /** The {@link #rows()} images to score, flattened one after the other. */
    public float[] inputs() {
        return inputs;
    }

    public int rows() {
        return rows;
    }

    /** The metric's value for the image, from the score of each of its rows (f_c, c the explained class). */
    public double value(float[] scores) {
        if (scores.length != rows) {
            throw new IllegalArgumentException(rows + " rows but " + scores.length + " scores");
        }
        return value.applyAsDouble(scores);
    }

    /** Scores the rows with {@code scorer} for class {@code label} and returns the value. */
    double scoredBy(Scorer scorer, int label) {
        int[] labels = new int[rows];
        java.util.Arrays.fill(labels, label);
        return value(scorer.scores(inputs, rows, labels));
    }
}
