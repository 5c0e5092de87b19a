package io.otnn.dashboard.state;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * What the dashboard keeps of one model version: its last {@code maxWindows} metric windows (by window start; a window
 * written again replaces the first copy) and totals over every window seen since the dashboard started.
 */
final class ModelVersionState {

    private static final int MAX_COUNTED = 10_000;

    private final String modelName;
    private final int modelVersion;
    private final int maxWindows;
    private final TreeMap<Long, WindowFigures> windows = new TreeMap<>();
    private final TreeMap<Long, WindowFigures> counted = new TreeMap<>();
    private long firstSeen = Long.MAX_VALUE;
    private long explainedTotal;
    private long deadLetteredTotal;
    private long labelledTotal;
    private double correctTotal;
    private double certificateSum;
    private long[] classTotals = new long[0];

    ModelVersionState(String modelName, int modelVersion, int maxWindows) {
        this.modelName = modelName;
        this.modelVersion = modelVersion;
        this.maxWindows = maxWindows;
    }

    void add(WindowFigures w) {
        windows.put(w.windowStart(), w);
        WindowFigures previous = counted.get(w.windowStart());
        if (previous != null) subtract(previous);
        addTotals(w);
        while (windows.size() > maxWindows) windows.pollFirstEntry();
        seen(w.windowStart());
    }

    /** The first time this version was seen serving: its first window start or its first explanation's time. */
    void seen(long time) {
        firstSeen = Math.min(firstSeen, time);
    }

    private void addTotals(WindowFigures w) {
        counted.put(w.windowStart(), w);
        // to replace a window written twice; a copy of a window older than these is counted twice
        while (counted.size() > MAX_COUNTED) counted.pollFirstEntry();
        explainedTotal += w.explainedCount();
        deadLetteredTotal += w.deadLetteredCount();
        labelledTotal += w.labelledCount();
        if (w.accuracy() != null) correctTotal += w.accuracy() * w.labelledCount();
        if (Double.isFinite(w.certificateMean())) certificateSum += w.certificateMean() * w.explainedCount();
        long[] h = w.classHistogram();
        if (h.length > classTotals.length) classTotals = java.util.Arrays.copyOf(classTotals, h.length);
        for (int i = 0; i < h.length; i++) classTotals[i] += h[i];
    }

    private void subtract(WindowFigures w) {
        explainedTotal -= w.explainedCount();
        deadLetteredTotal -= w.deadLetteredCount();
        labelledTotal -= w.labelledCount();
        if (w.accuracy() != null) correctTotal -= w.accuracy() * w.labelledCount();
        if (Double.isFinite(w.certificateMean())) certificateSum -= w.certificateMean() * w.explainedCount();
        long[] h = w.classHistogram();
        for (int i = 0; i < h.length && i < classTotals.length; i++) classTotals[i] -= h[i];
    }

    String key() {
        return key(modelName, modelVersion);
    }

    static String key(String name, int version) {
        return name + " v" + version;
    }

    /** @param servingSince when an explainer first said it serves this version, or null */
    ModelVersionView view(ModelEntry checkpoint, Long servingSince) {
        List<WindowFigures> kept = new ArrayList<>(windows.values());
        WindowFigures latest = kept.isEmpty() ? null : kept.get(kept.size() - 1);
        double[] mix = new double[classTotals.length];
        long sum = 0;
        for (long c : classTotals) sum += c;
        for (int i = 0; i < mix.length; i++) mix[i] = sum == 0 ? 0 : classTotals[i] / (double) sum;
        return new ModelVersionView(
                key(),
                modelName,
                modelVersion,
                firstSeen == Long.MAX_VALUE ? null : firstSeen,
                servingSince,
                explainedTotal,
                deadLetteredTotal,
                labelledTotal,
                labelledTotal == 0 ? null : correctTotal / labelledTotal,
                explainedTotal == 0 ? null : certificateSum / explainedTotal,
                classTotals.clone(),
                mix,
                checkpoint == null ? null : checkpoint.classPriors(),
                checkpoint,
                latest,
                kept);
    }
}
