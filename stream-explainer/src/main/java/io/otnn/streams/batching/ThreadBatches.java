package io.otnn.streams.batching;

import java.util.ArrayList;
import java.util.List;

/**
 * The images waiting for a model call, one batch per stream thread shared by all of that thread's tasks.
 *
 * <p>A stream thread runs several tasks (one per input partition it owns: 6 partitions on one thread make 6
 * tasks). Per-task batches would split a thread's images into as many model calls, each paying the call's fixed
 * cost; one batch per thread makes one call. Only the thread that owns a batch touches it, so it needs no lock.
 * One instance per topology (so per Kafka Streams instance); every processor of that topology gets it.
 */
public final class ThreadBatches {

    private final ThreadLocal<List<WaitingImage>> perThread = ThreadLocal.withInitial(ArrayList::new);

    /** The calling stream thread's batch, oldest image first. */
    List<WaitingImage> current() {
        return perThread.get();
    }

    /** Removes and returns the calling thread's waiting images, oldest first. */
    List<WaitingImage> takeAll() {
        List<WaitingImage> batch = perThread.get();
        List<WaitingImage> taken = new ArrayList<>(batch);
        batch.clear();
        return taken;
    }

    /** Drops the calling thread's images of one task (a task closed without commit reads them again). */
    int dropAll(BatchingExplainProcessor owner) {
        List<WaitingImage> batch = perThread.get();
        int before = batch.size();
        batch.removeIf(image -> image.owner() == owner);
        return before - batch.size();
    }
}
