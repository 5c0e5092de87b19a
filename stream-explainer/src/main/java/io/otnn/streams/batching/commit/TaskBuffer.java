package io.otnn.streams.batching.commit;

import io.otnn.streams.input.ReceivedImage;
import java.util.List;
import org.apache.kafka.streams.processor.api.Record;

/**
 * One task's side of an {@link ImageBuffer}: keeps each image the task has read until the task forwards its outcome,
 * so that no commit can take the offset of an image whose outcome is neither forwarded nor kept safe.
 *
 * @param <K> key of the records the processor forwards
 * @param <V> value of the records the processor forwards
 */
public interface TaskBuffer<K, V> {

    /** Keeps {@code image}, the record being processed now, until {@link #release}; returns where it came from. */
    Origin keep(ReceivedImage image);

    /** Forwards {@code record} for the kept image of {@code origin} (its outcome, or figures counted with it). */
    void forward(Record<K, V> record, Origin origin);

    /** The outcome of the image of {@code origin} has been forwarded: it is no longer kept. */
    void release(Origin origin);

    /** Runs {@code work}, which forwards, from wherever the buffer calls the processor (its pre-commit hook too). */
    void runAsProcessor(Runnable work);

    /**
     * Images kept by an earlier owner of this task and never released (restored from a changelog after a crash or a
     * move), oldest first, each with its origin; the processor explains them like new ones.
     */
    List<Kept> restored();

    /**
     * What becomes of the images of this task still waiting when it closes (a clean close of
     * {@link InMemoryBeforeCommit} leaves none).
     */
    String atClose();

    /** A restored image and its origin. */
    record Kept(ReceivedImage image, Origin origin) {}
}
