package io.otnn.streams.batching;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.explain.input.RejectionKind;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.explain.ImageExplanation;

/**
 * Gives every image of a batch its outcome: one model call for the batch, then the post-processing of each image's
 * result. An image for which either stage failed is run again alone, so that one bad image cannot sink the others;
 * the retry runs exactly the images still without an outcome, and a failure of an image run alone is that image's
 * dead letter. Outcomes are attached to the images themselves ({@link WaitingImage}), so no outcome can land on
 * another image; the only positional pairing is that of one model call's results with that same call's inputs.
 */
final class BatchRun {

    private static final Logger LOG = LoggerFactory.getLogger(BatchRun.class);

    private final BatchExplainer explainer;
    private final ExplanationBuilder builder;
    private final LongSupplier clock;

    BatchRun(BatchExplainer explainer, ExplanationBuilder builder, LongSupplier clock) {
        this.explainer = explainer;
        this.builder = builder;
        this.clock = clock;
    }

    /** Decides an outcome (explanation or rejection) for every image of {@code batch}. */
    void run(List<WaitingImage> batch) {
        long batchStart = clock.getAsLong();
        RuntimeException failure = attempt(batch, batchStart, batch.size() == 1);
        List<WaitingImage> left = new ArrayList<>();
        for (WaitingImage image : batch) {
            if (!image.hasOutcome()) {
                left.add(image);
            }
        }
        if (left.isEmpty()) {
            return;
        }
        LOG.warn("{} of {} image(s) of a batch have no outcome ({}); running each of them alone", left.size(),
                batch.size(), failure != null ? "the model call failed: " + failure : "their results were refused");
        for (WaitingImage image : left) {
            attempt(List.of(image), batchStart, true);
        }
    }

    /**
     * One model call for {@code images}, then the post-processing of each result. Alone, every failure becomes the
     * image's rejection; in a batch, a failed image is left without an outcome for the retry.
     *
     * @return the model call's failure, or {@code null}
     */
    private RuntimeException attempt(List<WaitingImage> images, long batchStart, boolean alone) {
        float[][] pixels = new float[images.size()][];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = images.get(i).pixels();
        }
        long modelStart = System.nanoTime();
        List<ImageExplanation> results;
        try {
            results = List.copyOf(explainer.explain(pixels));
            if (results.size() != pixels.length) {
                throw new IllegalStateException("the engine returned " + results.size() + " results for "
                        + pixels.length + " images");
            }
        } catch (RuntimeException e) {
            if (alone) {
                WaitingImage image = images.get(0);
                image.rejected(new RejectedRecordException(RejectionKind.MODEL_ERROR, "the model call failed: " + e,
                        image.input().imageId(), e));
            }
            return e;
        }
        double modelMs = (System.nanoTime() - modelStart) / 1e6;
        for (int i = 0; i < pixels.length; i++) {
            // the i-th result answers the i-th image of this very call
            WaitingImage image = images.get(i);
            try {
                image.explained(builder.build(image, results.get(i), batchStart, modelMs, pixels.length,
                        clock.getAsLong()));
            } catch (RejectedRecordException e) {
                if (alone) {
                    image.rejected(e);
                }
            } catch (RuntimeException e) {
                if (alone) {
                    image.rejected(new RejectedRecordException(RejectionKind.UNENCODABLE_RESULT,
                            "the model's result cannot be turned into an explanation: " + e,
                            image.input().imageId(), e));
                }
            }
        }
        return null;
    }
}
