package io.otnn.streams.shadow;

import java.util.concurrent.atomic.AtomicLong;

/** What happened to the shadow's work in one application instance (shared by its tasks). */
public final class ShadowCounters {

    private final AtomicLong explained = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong late = new AtomicLong();

    /** A shadow explanation was forwarded (with its comparison). */
    public void explained() {
        explained.incrementAndGet();
    }

    /** {@code images} go uncompared: the shadow's model call or its post-processing failed for them. */
    public void failed(int images) {
        failed.addAndGet(images);
    }

    /** A shadow explanation that could not be written (too large, refused by the broker) was dropped. */
    public void dropped() {
        dropped.incrementAndGet();
    }

    void lateComparisons(long images) {
        late.addAndGet(images);
    }

    /** Shadow explanations forwarded (each with its comparison). */
    public long explainedCount() {
        return explained.get();
    }

    /** Images the shadow failed to explain, so left uncompared. */
    public long failedCount() {
        return failed.get();
    }

    /** Shadow explanations dropped because they could not be written. */
    public long droppedCount() {
        return dropped.get();
    }

    /** Compared images whose figures reached their window after it was published. */
    public long lateCount() {
        return late.get();
    }
}
