package io.otnn.explain.metrics;

import io.otnn.explain.Explainer;
import io.otnn.explain.attribution.ClassGradients;

/**
 * The gradients ∇ₓ f_c that several attribution methods of one evaluation need at the same points, asked once: at
 * each image (Saliency and Gradient × Input are functions of it, and it is Integrated Gradients' α = 1 point), and at
 * each image's Stability neighbours (the neighbours are the same for every method). Holds the neighbours and their
 * gradients of the images Stability is computed on: {@code images × samples × size} floats twice.
 */
final class SharedGradients {

    private final Explainer explainer;
    private final float[][] images;
    private final int[] labels;
    private final int rows;
    private float[][] atImages;
    private float[][][] neighbours;
    private float[][][] atNeighbours;

    /**
     * @param rows points per model call
     */
    SharedGradients(Explainer explainer, float[][] images, int[] labels, int rows) {
        this.explainer = explainer;
        this.images = images;
        this.labels = labels;
        this.rows = rows;
    }

    /** ∇ f_{labels[i]} at each image. */
    float[][] atImages() {
        if (atImages == null) atImages = gradients(images, labels);
        return atImages;
    }

    /** Whether {@link #neighbours} has been computed (so its time belongs to the part that asked for it). */
    boolean hasNeighbours() {
        return neighbours != null;
    }

    /** The Stability neighbours of the first {@code count} images: {@code [image][neighbour][pixel]}. */
    float[][][] neighbours(Stability stability, int count) {
        computeNeighbours(stability, count);
        return neighbours;
    }

    /** ∇ f_{labels[i]} at each neighbour of {@link #neighbours}. */
    float[][][] atNeighbours(Stability stability, int count) {
        computeNeighbours(stability, count);
        return atNeighbours;
    }

    private void computeNeighbours(Stability stability, int count) {
        if (neighbours != null) {
            if (neighbours.length != count) throw new IllegalStateException("neighbours of " + neighbours.length);
            return;
        }
        int samples = stability.definition().samples();
        float[][][] around = new float[count][][];
        float[][][] gradients = new float[count][][];
        int group = Math.max(1, rows / samples);
        for (int start = 0; start < count; start += group) {
            int end = Math.min(count, start + group);
            float[][] points = new float[(end - start) * samples][];
            int[] pointLabels = new int[points.length];
            for (int i = start; i < end; i++) {
                around[i] = stability.neighbours(images[i]);
                System.arraycopy(around[i], 0, points, (i - start) * samples, samples);
                java.util.Arrays.fill(pointLabels, (i - start) * samples, (i - start + 1) * samples, labels[i]);
            }
            float[][] g = gradients(points, pointLabels);
            for (int i = start; i < end; i++) {
                gradients[i] = java.util.Arrays.copyOfRange(g, (i - start) * samples, (i - start + 1) * samples);
            }
        }
        neighbours = around;
        atNeighbours = gradients;
    }

    private float[][] gradients(float[][] points, int[] pointLabels) {
        int size = explainer.metadata().input().size();
        int n = points.length;
        float[] flat = new float[n * size];
        for (int i = 0; i < n; i++) System.arraycopy(points[i], 0, flat, i * size, size);
        float[] g = ClassGradients.of(explainer, flat, n, pointLabels);
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) out[i] = java.util.Arrays.copyOfRange(g, i * size, (i + 1) * size);
        return out;
    }
}
