package io.otnn.bench.drift;

import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Images the model never saw, explained once by the real engine, as they are and with a brightness shift: what a
 * scenario draws its stream from. Each entry is what the metric windows need of an explanation.
 */
public final class ExplainedPool {

    /** One explained image: its ground-truth label, the predicted class and the certified radius. */
    public record Entry(int label, int predicted, double certificate) {}

    private final List<Entry> original;
    private final Map<Double, List<Entry>> darkened;

    private ExplainedPool(List<Entry> original, Map<Double, List<Entry>> darkened) {
        this.original = original;
        this.darkened = darkened;
    }

    /**
     * @param images      row-major images in the model's input range, {@code size} values each
     * @param brightnesses the factors of the shifted copies (pixels × factor, clipped to [min, max])
     */
    public static ExplainedPool explain(
            OtnnModel model, float[] images, int[] labels, int size, double... brightnesses) {
        double min = model.metadata().input().min();
        double max = model.metadata().input().max();
        int n = labels.length;
        List<Entry> original = new ArrayList<>(n);
        Map<Double, List<Entry>> darkened = new LinkedHashMap<>();
        for (double f : brightnesses) {
            darkened.put(f, new ArrayList<>(n));
        }
        for (int start = 0; start < n; start += 64) {
            int b = Math.min(64, n - start);
            float[][] plain = new float[b][];
            for (int i = 0; i < b; i++) {
                plain[i] = Arrays.copyOfRange(images, (start + i) * size, (start + i + 1) * size);
            }
            List<ImageExplanation> a = model.explain(plain);
            for (int i = 0; i < b; i++) {
                original.add(new Entry(
                        labels[start + i], a.get(i).predicted(), a.get(i).radius()));
            }
            for (double f : brightnesses) {
                float[][] dark = new float[b][size];
                for (int i = 0; i < b; i++) {
                    for (int p = 0; p < size; p++) {
                        dark[i][p] = (float) Math.min(max, Math.max(min, plain[i][p] * f));
                    }
                }
                List<ImageExplanation> d = model.explain(dark);
                for (int i = 0; i < b; i++) {
                    darkened.get(f)
                            .add(new Entry(
                                    labels[start + i],
                                    d.get(i).predicted(),
                                    d.get(i).radius()));
                }
            }
        }
        Map<Double, List<Entry>> frozen = new LinkedHashMap<>();
        darkened.forEach((f, entries) -> frozen.put(f, List.copyOf(entries)));
        return new ExplainedPool(List.copyOf(original), frozen);
    }

    public List<Entry> original() {
        return original;
    }

    /** The pool with every pixel × {@code brightness} (one of the factors it was explained with). */
    public List<Entry> darkened(double brightness) {
        List<Entry> entries = darkened.get(brightness);
        if (entries == null) {
            throw new IllegalArgumentException("the pool was not explained at brightness " + brightness);
        }
        return entries;
    }

    public int size() {
        return original.size();
    }
}
