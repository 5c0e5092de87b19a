package io.otnn.streams.batching;

import io.otnn.avro.Explanation;
import io.otnn.explain.ImageExplanation;
import io.otnn.streams.batching.commit.Origin;
import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.fidelity.OnlineFidelity;
import io.otnn.streams.input.ReceivedImage;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.shadow.ImageComparison;
import io.otnn.streams.time.EventTime;
import io.otnn.streams.time.TimeAdjustment;

/**
 * A decoded image from the moment it waits for its batch until its outcome is forwarded. Its outcome is attached to
 * this object as soon as it is known, and only once; it is found again through this object, never through its
 * position in a list. Equality is identity: two images with the same bytes are still two images.
 */
final class WaitingImage {

    private final BatchingExplainProcessor owner;
    private final ReceivedImage received;
    private final ImageInput input;
    private final float[] pixels;
    private final EventTime time;
    private final Origin origin;
    private Explanation explanation;
    private RejectedRecordException rejection;
    private OnlineFidelity.Score fidelity;
    /** with a shadow: the primary's raw result until the shadow has been compared with it */
    private ImageExplanation primaryResult;

    private Explanation shadowExplanation;
    private ImageComparison comparison;

    /**
     * @param owner    the processor (so the task) that read it and forwards its outcome
     * @param received the original record
     * @param input    the parsed image
     * @param pixels   the pixels it decoded to, ready for the model
     * @param time     the time its outputs carry, as the time policy decided it
     * @param origin   where it came from, as the task's buffer needs it to forward its outcome and let it go
     */
    WaitingImage(
            BatchingExplainProcessor owner,
            ReceivedImage received,
            ImageInput input,
            float[] pixels,
            EventTime time,
            Origin origin) {
        this.owner = owner;
        this.received = received;
        this.input = input;
        this.pixels = pixels;
        this.time = time;
        this.origin = origin;
    }

    BatchingExplainProcessor owner() {
        return owner;
    }

    ReceivedImage received() {
        return received;
    }

    ImageInput input() {
        return input;
    }

    float[] pixels() {
        return pixels;
    }

    Origin origin() {
        return origin;
    }

    /** The timestamp of the image's outputs and the time of its metric window (the time policy's decision). */
    long eventTime() {
        return time.timestamp();
    }

    /** Why {@link #eventTime()} is not the image's own event time, if it is not. */
    TimeAdjustment timeAdjustment() {
        return time.adjustment();
    }

    boolean hasOutcome() {
        return explanation != null || rejection != null;
    }

    /** The explanation, or {@code null} when the image was rejected or has no outcome yet. */
    Explanation explanation() {
        return explanation;
    }

    /** Why the image is a dead letter, or {@code null}. */
    RejectedRecordException rejection() {
        return rejection;
    }

    /** The fidelity of its saliency map, or {@code null} when it was not sampled or could not be measured. */
    OnlineFidelity.Score fidelity() {
        return fidelity;
    }

    void fidelity(OnlineFidelity.Score score) {
        this.fidelity = score;
    }

    /** The primary's raw result (kept only with a shadow, until the shadow ran), or {@code null}. */
    ImageExplanation primaryResult() {
        return primaryResult;
    }

    void primaryResult(ImageExplanation result) {
        this.primaryResult = result;
    }

    /** The shadow's explanation, or {@code null} without a shadow or when the shadow failed for this image. */
    Explanation shadowExplanation() {
        return shadowExplanation;
    }

    /** How the shadow's explanation compares with the primary's; set with {@link #shadowExplanation()}. */
    ImageComparison comparison() {
        return comparison;
    }

    void shadowExplained(Explanation explanation, ImageComparison comparison) {
        this.shadowExplanation = explanation;
        this.comparison = comparison;
    }

    void explained(Explanation result) {
        checkUndecided();
        this.explanation = result;
    }

    void rejected(RejectedRecordException reason) {
        checkUndecided();
        this.rejection = reason;
    }

    private void checkUndecided() {
        if (hasOutcome()) {
            throw new IllegalStateException("image " + input.imageId() + " at " + received.topic() + "-"
                    + received.partition() + "@" + received.offset() + " already has an outcome");
        }
    }
}
