package io.otnn.streams.batching;

import io.otnn.avro.Explanation;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.ImageExplanation;
import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.monitoring.ExplainerMeters;
import io.otnn.streams.shadow.ImageComparison;
import io.otnn.streams.shadow.ShadowCounters;
import io.otnn.streams.shadow.ShadowExplainer;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shadow's part of a batch, once every image has its primary outcome: one model call of the shadow on the
 * pixels of the images the primary explained, then each image's shadow explanation (built as the primary's, with
 * the shadow's metadata) and its comparison. It never changes an image's outcome: when the call or an image's
 * post-processing fails, it is logged and counted, and those images go uncompared.
 */
final class ShadowBatch {

    private static final Logger LOG = LoggerFactory.getLogger(ShadowBatch.class);

    private final ShadowExplainer explainer;
    private final Supplier<ModelMetadata> primary;
    private final String application;
    private final ShadowCounters counters;
    private final ExplainerMeters meters;
    private ExplanationBuilder builder;
    private ModelMetadata builtFor;

    /** @param primary the primary's metadata now (the shadow is checked against it before each call) */
    ShadowBatch(
            ShadowExplainer explainer,
            Supplier<ModelMetadata> primary,
            String application,
            ShadowCounters counters,
            ExplainerMeters meters) {
        this.meters = meters;
        this.explainer = explainer;
        this.primary = primary;
        this.application = application;
        this.counters = counters;
    }

    /**
     * @param batchStart wall clock when the primary's batch started (epoch ms)
     * @param now        the batch's wall clock, advancing through the call (see {@link BatchRun#run})
     */
    void run(List<WaitingImage> batch, long batchStart, LongSupplier now) {
        List<WaitingImage> explained = batch.stream()
                .filter(image -> image.explanation() != null && image.primaryResult() != null)
                .toList();
        if (explained.isEmpty()) {
            return;
        }
        if (!explainer.serving()) {
            forgetPrimaryResults(explained);
            return;
        }
        float[][] pixels = new float[explained.size()][];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = explained.get(i).pixels();
        }
        long start = System.nanoTime();
        ShadowExplainer.Results results;
        try {
            results = explainer.explain(pixels, primary.get());
        } catch (RuntimeException e) {
            failed(pixels.length);
            LOG.warn(
                    "The shadow model failed for a batch of {} image(s); they go uncompared: {}",
                    pixels.length,
                    e.toString());
            forgetPrimaryResults(explained);
            return;
        }
        double modelMs = (System.nanoTime() - start) / 1e6;
        ExplanationBuilder shadowBuilder = builderFor(results.model());
        for (int i = 0; i < pixels.length; i++) {
            // the i-th result answers the i-th image of this very call
            WaitingImage image = explained.get(i);
            ImageExplanation result = results.results().get(i);
            try {
                // the same pixels under the same input contract: the primary's encoding of the input image is the
                // shadow's
                Explanation explanation = shadowBuilder.build(
                        image,
                        result,
                        batchStart,
                        modelMs,
                        pixels.length,
                        now.getAsLong(),
                        image.explanation().getInput());
                image.shadowExplained(
                        explanation,
                        ImageComparison.of(
                                image.primaryResult(), result, image.input().label()));
            } catch (RejectedRecordException | RuntimeException e) {
                failed(1);
                LOG.warn(
                        "The shadow's result for image {} cannot be turned into an explanation; it goes "
                                + "uncompared: {}",
                        image.input().imageId(),
                        e.getMessage());
            }
        }
        forgetPrimaryResults(explained);
    }

    private void failed(int images) {
        counters.failed(images);
        meters.shadowFailed(images);
    }

    private ExplanationBuilder builderFor(ModelMetadata model) {
        if (builder == null || builtFor != model) {
            builder = new ExplanationBuilder(model, application);
            builtFor = model;
        }
        return builder;
    }

    private static void forgetPrimaryResults(List<WaitingImage> images) {
        for (WaitingImage image : images) {
            image.primaryResult(null);
        }
    }
}
