package io.otnn.streams.batching;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The images of one stream thread between their arrival and the forwarding of their outcome, shared by all of that
 * thread's tasks: those waiting for a model call, and those whose outcome is known but not yet forwarded.
 *
 * <p>A stream thread runs several tasks (one per input partition it owns: 6 partitions on one thread make 6
 * tasks). Per-task batches would split a thread's images into as many model calls, each paying the call's fixed
 * cost; one batch per thread makes one call. A batch may be run by any task of the thread, but each outcome is
 * forwarded by the task that read the image, from its own {@code process}, punctuator or pre-commit hook, so that
 * it joins a transaction that also commits that image's offset. Only the thread that owns these lists touches
 * them, so they need no lock. One instance per topology (so per Kafka Streams instance). With the changelogged
 * buffer these lists are a copy in memory of what the tasks' stores hold.
 */
public final class ThreadBatches {

    private final ThreadLocal<List<WaitingImage>> waiting = ThreadLocal.withInitial(ArrayList::new);
    private final ThreadLocal<List<WaitingImage>> decided = ThreadLocal.withInitial(ArrayList::new);

    /** The calling stream thread's images waiting for a model call, oldest first. */
    List<WaitingImage> waiting() {
        return waiting.get();
    }

    /** Removes and returns the calling thread's waiting images, oldest first. */
    List<WaitingImage> takeWaiting() {
        List<WaitingImage> batch = waiting.get();
        List<WaitingImage> taken = new ArrayList<>(batch);
        batch.clear();
        return taken;
    }

    /** Keeps images whose outcome is known until their owner forwards them. */
    void decided(List<WaitingImage> images) {
        for (WaitingImage image : images) {
            if (!image.hasOutcome()) {
                throw new IllegalStateException("image " + image.input().imageId() + " has no outcome");
            }
        }
        decided.get().addAll(images);
    }

    /** Removes and returns the calling thread's images of {@code owner} whose outcome is known, oldest first. */
    List<WaitingImage> takeDecided(BatchingExplainProcessor owner) {
        List<WaitingImage> taken = new ArrayList<>();
        for (Iterator<WaitingImage> it = decided.get().iterator(); it.hasNext(); ) {
            WaitingImage image = it.next();
            if (image.owner() == owner) {
                taken.add(image);
                it.remove();
            }
        }
        return taken;
    }

    /**
     * Drops the calling thread's images of one task, waiting or decided: in memory, a task closed without a commit
     * reads them again; changelogged, its store keeps them for the task's next owner.
     */
    int dropAll(BatchingExplainProcessor owner) {
        int before = waiting.get().size() + decided.get().size();
        waiting.get().removeIf(image -> image.owner() == owner);
        decided.get().removeIf(image -> image.owner() == owner);
        return before - waiting.get().size() - decided.get().size();
    }
}
