package io.otnn.streams.batching;

import io.otnn.explain.ImageExplanation;
import io.otnn.explain.input.RejectionKind;
import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.fidelity.OnlineFidelity;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives every image of a batch its outcome: one model call for the batch, then the post-processing of each image's
 * result. An image for which either stage failed is run again alone, so that one bad image cannot sink the others;
 * the retry runs exactly the images still without an outcome, and a failure of an image run alone is that image's
 * dead letter. Outcomes are attached to the images themselves ({@link WaitingImage}), so no outcome can land on
 * another image; the only positional pairing is that of one model call's results with that same call's inputs.
 *
 * <p>Once every image has its outcome, the explained images the fidelity sample picks are measured
 * ({@link OnlineFidelity}: one forward pass for all of them) and each gets its figures. That measure is never an
 * image's outcome: when it fails, the images keep their explanations and go without figures.
 */
final class BatchRun {

    private static final Logger LOG = LoggerFactory.getLogger(BatchRun.class);

    private final BatchExplainer explainer;
    private final ExplanationBuilder builder;
    private final LongSupplier clock;
    private final OnlineFidelity fidelity;
    private final ShadowBatch shadow;
    /** Set when the engine has no forward pass: the fidelity is then off for this run's task, said once. */
    private boolean noForwardPass;

    BatchRun(BatchExplainer explainer, ExplanationBuilder builder, LongSupplier clock) {
        this(explainer, builder, clock, null);
    }

    /** @param fidelity measures the sampled images, or {@code null} for none */
    BatchRun(BatchExplainer explainer, ExplanationBuilder builder, LongSupplier clock, OnlineFidelity fidelity) {
        this(explainer, builder, clock, fidelity, null);
    }

    /** @param shadow explains the explained images with the shadow model too, or {@code null} for none */
    BatchRun(
            BatchExplainer explainer,
            ExplanationBuilder builder,
            LongSupplier clock,
            OnlineFidelity fidelity,
            ShadowBatch shadow) {
        this.explainer = explainer;
        this.builder = builder;
        this.clock = clock;
        this.fidelity = fidelity;
        this.shadow = shadow;
    }

    /** Decides an outcome (explanation or rejection) for every image of {@code batch}. */
    void run(List<WaitingImage> batch) {
        long batchStart = clock.getAsLong();
        // the processor's clock is Kafka Streams' cached system time, which stands still through this call: the
        // time since the batch started is read from the monotonic clock and added to it
        long startNanos = System.nanoTime();
        LongSupplier now = () -> batchStart + (System.nanoTime() - startNanos) / 1_000_000;
        List<Sampled> sampled = new ArrayList<>();
        RuntimeException failure = attempt(batch, batchStart, now, batch.size() == 1, sampled);
        List<WaitingImage> left = new ArrayList<>();
        for (WaitingImage image : batch) {
            if (!image.hasOutcome()) {
                left.add(image);
            }
        }
        if (!left.isEmpty()) {
            LOG.warn(
                    "{} of {} image(s) of a batch have no outcome ({}); running each of them alone",
                    left.size(),
                    batch.size(),
                    failure != null ? "the model call failed: " + failure : "their results were refused");
            for (WaitingImage image : left) {
                attempt(List.of(image), batchStart, now, true, sampled);
            }
        }
        measureFidelity(sampled);
        if (shadow != null) {
            shadow.run(batch, batchStart, now);
        }
    }

    /** An explained image of the fidelity sample, with what its measure needs. */
    private record Sampled(WaitingImage image, OnlineFidelity.Sample sample) {}

    private void measureFidelity(List<Sampled> sampled) {
        if (sampled.isEmpty() || noForwardPass) {
            return;
        }
        List<OnlineFidelity.Score> scores;
        try {
            scores = fidelity.score(sampled.stream().map(Sampled::sample).toList());
        } catch (UnsupportedOperationException e) {
            noForwardPass = true;
            LOG.warn(
                    "The engine has no forward pass, so the online fidelity is off ({}); the windows publish "
                            + "fidelitySampleCount 0",
                    e.getMessage());
            return;
        } catch (RuntimeException e) {
            LOG.warn(
                    "The fidelity of {} sampled image(s) could not be measured; their explanations go out, and the "
                            + "window's fidelity sample leaves them out: {}",
                    sampled.size(),
                    e.toString());
            return;
        }
        for (int i = 0; i < sampled.size(); i++) {
            WaitingImage image = sampled.get(i).image();
            OnlineFidelity.Score score = scores.get(i);
            if (score.finite()) {
                image.fidelity(score);
            } else {
                LOG.warn(
                        "The fidelity of image {} is not finite ({}); the window's fidelity sample leaves it out",
                        image.input().imageId(),
                        score);
            }
        }
    }

    /**
     * One model call for {@code images}, then the post-processing of each result. Alone, every failure becomes the
     * image's rejection; in a batch, a failed image is left without an outcome for the retry.
     *
     * @return the model call's failure, or {@code null}
     */
    private RuntimeException attempt(
            List<WaitingImage> images, long batchStart, LongSupplier now, boolean alone, List<Sampled> sampled) {
        float[][] pixels = new float[images.size()][];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = images.get(i).pixels();
        }
        long modelStart = System.nanoTime();
        List<ImageExplanation> results;
        try {
            results = List.copyOf(explainer.explain(pixels));
            if (results.size() != pixels.length) {
                throw new IllegalStateException(
                        "the engine returned " + results.size() + " results for " + pixels.length + " images");
            }
        } catch (RuntimeException e) {
            if (alone) {
                WaitingImage image = images.get(0);
                image.rejected(new RejectedRecordException(
                        RejectionKind.MODEL_ERROR,
                        "the model call failed: " + e,
                        image.input().imageId(),
                        e));
            }
            return e;
        }
        double modelMs = (System.nanoTime() - modelStart) / 1e6;
        for (int i = 0; i < pixels.length; i++) {
            // the i-th result answers the i-th image of this very call
            WaitingImage image = images.get(i);
            try {
                ImageExplanation result = results.get(i);
                image.explained(builder.build(image, result, batchStart, modelMs, pixels.length, now.getAsLong()));
                if (shadow != null) {
                    image.primaryResult(result);
                }
                if (fidelity != null
                        && !noForwardPass
                        && fidelity.sampled(image.input().imageId())) {
                    sampled.add(new Sampled(
                            image,
                            new OnlineFidelity.Sample(
                                    image.input().imageId(), pixels[i], result.predicted(), result.saliency())));
                }
            } catch (RejectedRecordException e) {
                if (alone) {
                    image.rejected(e);
                }
            } catch (RuntimeException e) {
                if (alone) {
                    image.rejected(new RejectedRecordException(
                            RejectionKind.UNENCODABLE_RESULT,
                            "the model's result cannot be turned into an explanation: " + e,
                            image.input().imageId(),
                            e));
                }
            }
        }
        return null;
    }
}
