package io.otnn.dashboard.http;

import io.otnn.avro.Explanation;
import io.otnn.dashboard.render.ExplanationImages;
import io.otnn.dashboard.state.ExplanationEntry;
import io.otnn.dashboard.state.ModelEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Everything one {@code Explanation} record says, for the detail view (the pictures are fetched separately);
 * {@code differenceMax} (the largest |x_cf − x| drawn) and {@code differenceError} (how far the encodings let it be off)
 * are null when the record has no input image.
 */
record ExplanationDetail(
        ExplanationEntry.Summary summary,
        List<Double> scores,
        List<String> classNames,
        double margin,
        double certificateFactor,
        double lipschitz,
        double boundaryDistance,
        double boundaryResidual,
        double queuedMs,
        double modelMs,
        double totalMs,
        int batchSize,
        String explainerInstance,
        String eventTimeAdjustment,
        double saliencyMax,
        Double differenceMax,
        Double differenceError,
        boolean input,
        List<String> pictures,
        String inputRange) {

    static ExplanationDetail of(ExplanationEntry entry, ModelEntry checkpoint) {
        Explanation e = entry.record();
        List<Double> scores = new ArrayList<>();
        e.getScores().forEach(s -> scores.add(s.doubleValue()));
        List<String> pictures = new ArrayList<>();
        ExplanationImages.kinds(e).forEach(k -> pictures.add(k.name().toLowerCase(Locale.ROOT)));
        double saliencyMax;
        Double differenceMax;
        try {
            saliencyMax = ExplanationImages.saliencyMax(e, checkpoint);
            double max = ExplanationImages.differenceMax(e, checkpoint);
            differenceMax = Double.isNaN(max) ? null : max;
        } catch (RuntimeException ex) {
            saliencyMax = Double.NaN;
            differenceMax = null;
        }
        String range = checkpoint != null && checkpoint.inputMin() != null
                ? "the model's input range [" + checkpoint.inputMin() + ", " + checkpoint.inputMax() + "]"
                : e.getInput() != null
                        ? "the range of x and x_cf (the checkpoint's metadata was not readable)"
                        : "the counterfactual's own range (the checkpoint's metadata was not readable)";
        return new ExplanationDetail(
                entry.summary(checkpoint == null ? null : checkpoint.classNames()),
                scores,
                checkpoint == null ? null : checkpoint.classNames(),
                e.getCertificate().getMargin(),
                e.getCertificate().getFactor(),
                e.getCertificate().getLipschitz(),
                e.getCounterfactual().getBoundaryDistance(),
                e.getCounterfactual().getBoundaryResidual(),
                e.getTimings().getQueuedMs(),
                e.getTimings().getModelMs(),
                e.getTimings().getTotalMs(),
                e.getBatchSize(),
                e.getExplainerInstance(),
                String.valueOf(e.getEventTimeAdjustment()),
                saliencyMax,
                differenceMax,
                e.getInput() == null ? null : ExplanationImages.differenceError(e),
                e.getInput() != null,
                pictures,
                range);
    }
}
