package io.otnn.dashboard.state;

import java.util.List;

/**
 * One model version as the page shows it.
 *
 * @param firstSeen      when it started serving as far as the dashboard saw: its first window or explanation (ms)
 * @param servingSince   when an explainer first reported serving it ({@code ModelServingStatus}), or null
 * @param accuracy       over every labelled image of every window seen, or null when none carried a label
 * @param certificateMean mean certified radius over every explained image seen
 * @param classCounts    predicted images per class over every window seen
 * @param classMix       the same as fractions
 * @param classPriors    the training set's class fractions from the checkpoint, or null when not readable
 * @param checkpoint     the checkpoint announcement of this version, or null when none was seen
 * @param latest         the most recent window, or null
 * @param windows        the kept windows, oldest first
 */
public record ModelVersionView(
        String key,
        String modelName,
        int modelVersion,
        Long firstSeen,
        Long servingSince,
        long explainedTotal,
        long deadLetteredTotal,
        long labelledTotal,
        Double accuracy,
        Double certificateMean,
        long[] classCounts,
        double[] classMix,
        double[] classPriors,
        ModelEntry checkpoint,
        WindowFigures latest,
        List<WindowFigures> windows) {}
