package io.otnn.bench.drift;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;

/**
 * Images the model never saw, explained once by the real engine, as they are and with a brightness shift: what a
 * scenario draws its stream from. Each entry is what the metric windows need of an explanation.
 */
public final class ExplainedPool {

    /** One explained image: its ground-truth label, the predicted class and the certified radius. */
    public record Entry(int label, int predicted, double certificate) {
    }

    private final List<Entry> original;
    private final List<Entry> darkened;

    private ExplainedPool(List<Entry> original, List<Entry> darkened) {
        this.original = original;
        this.darkened = darkened;
    }

    /**
     * @param images     row-major images in the model's input range, {@code size} values each
     * @param brightness the factor of the shifted copy (pixels × brightness, clipped to [min, max])
     */
    public static ExplainedPool explain(OtnnModel model, float[] images, int[] labels, int size, double brightness) {
        double min = model.metadata().input().min();
        double max = model.metadata().input().max();
        int n = labels.length;
        List<Entry> original = new ArrayList<>(n);
        List<Entry> darkened = new ArrayList<>(n);
        for (int start = 0; start < n; start += 64) {
            int b = Math.min(64, n - start);
            float[][] plain = new float[b][];
            float[][] dark = new float[b][];
            for (int i = 0; i < b; i++) {
                plain[i] = Arrays.copyOfRange(images, (start + i) * size, (start + i + 1) * size);
                dark[i] = new float[size];
                for (int p = 0; p < size; p++) {
                    dark[i][p] = (float) Math.min(max, Math.max(min, plain[i][p] * brightness));
                }
            }
            List<ImageExplanation> a = model.explain(plain);
            List<ImageExplanation> d = model.explain(dark);
            for (int i = 0; i < b; i++) {
                original.add(new Entry(labels[start + i], a.get(i).predicted(), a.get(i).radius()));
                darkened.add(new Entry(labels[start + i], d.get(i).predicted(), d.get(i).radius()));
            }
        }
        return new ExplainedPool(List.copyOf(original), List.copyOf(darkened));
    }

    public List<Entry> original() {
        return original;
    }

    public List<Entry> darkened() {
        return darkened;
    }

    public int size() {
        return original.size();
    }
}
