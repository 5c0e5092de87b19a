package io.otnn.trainer.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Images {@code [N, H, W, C]} (row-major floats in the model's input range) with integer labels. A binary data set
 * has two classes and is trained with one logit (label 1 ⇔ f &gt; 0).
 */
public record Dataset(
        float[] images, int[] labels, int height, int width, int channels, List<String> classNames, boolean binary) {

    public Dataset {
        int size = height * width * channels;
        if (size <= 0 || images.length != (long) labels.length * size) {
            throw new IllegalArgumentException(
                    "images hold " + images.length + " values, expected " + labels.length + " × " + size);
        }
        if (binary && classNames.size() != 2) {
            throw new IllegalArgumentException("a binary data set needs 2 class names, got " + classNames);
        }
        for (int l : labels) {
            if (l < 0 || l >= classNames.size()) {
                throw new IllegalArgumentException("label " + l + " outside [0, " + (classNames.size() - 1) + "]");
            }
        }
    }

    public int size() {
        return labels.length;
    }

    public int imageSize() {
        return height * width * channels;
    }

    public int classes() {
        return classNames.size();
    }

    /** Number of logits: 1 for binary, the number of classes otherwise. */
    public int logits() {
        return binary ? 1 : classes();
    }

    public long[] shape() {
        return new long[] {height, width, channels};
    }

    /** The samples at {@code indices}, in that order. */
    public Dataset select(int[] indices) {
        int s = imageSize();
        float[] x = new float[indices.length * s];
        int[] y = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(images, indices[i] * s, x, i * s, s);
            y[i] = labels[indices[i]];
        }
        return new Dataset(x, y, height, width, channels, classNames, binary);
    }

    /** The first {@code n} samples (all when n ≥ size). */
    public Dataset limit(int n) {
        if (n >= size()) return this;
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        return select(idx);
    }

    /** A seeded permutation of the samples (Fisher–Yates with {@link Random}). */
    public static int[] permutation(int n, long seed) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        Random random = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return idx;
    }

    /** Splits off a seeded random validation part: {@code [train, validation]}. */
    public Dataset[] split(double validationFraction, long seed) {
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + validationFraction);
        }
        int[] perm = permutation(size(), seed);
        int nVal = (int) Math.round(size() * validationFraction);
        return new Dataset[] {
            select(Arrays.copyOfRange(perm, nVal, perm.length)), select(Arrays.copyOfRange(perm, 0, nVal))
        };
    }

    /** Keeps the samples of two classes, relabelled 0 and 1, as a binary data set. */
    public Dataset binaryOf(int negative, int positive) {
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < size(); i++) if (labels[i] == negative || labels[i] == positive) keep.add(i);
        int[] idx = keep.stream().mapToInt(Integer::intValue).toArray();
        Dataset sub = select(idx);
        int[] y = Arrays.stream(sub.labels).map(l -> l == positive ? 1 : 0).toArray();
        return new Dataset(
                sub.images,
                y,
                height,
                width,
                channels,
                List.of(classNames.get(negative), classNames.get(positive)),
                true);
    }

    /** Label frequencies. */
    public double[] classPriors() {
        double[] p = new double[classes()];
        for (int l : labels) p[l] += 1.0 / size();
        return p;
    }
}
