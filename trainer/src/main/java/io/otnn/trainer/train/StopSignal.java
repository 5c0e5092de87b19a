package io.otnn.trainer.train;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Cooperative stop: a request (e.g. Ctrl-C through {@link #installShutdownHook}) makes the training loop finish its
 * current step, save its state and return. The shutdown hook waits for that, so the JVM exits with a good state.
 */
public final class StopSignal {

    /** How long a shutdown hook waits for the loop to save its state. */
    public static final long DEFAULT_SHUTDOWN_WAIT_SECONDS = 120;

    private final AtomicBoolean requested = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);

    public void request() {
        requested.set(true);
    }

    public boolean requested() {
        return requested.get();
    }

    /** Called by the loop when it has stopped (or ended) and its state is safe. */
    public void finished() {
        finished.countDown();
    }

    public Thread installShutdownHook() {
        Thread hook = new Thread(
                () -> {
                    request();
                    try {
                        finished.await(DEFAULT_SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "otnn-train-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }
}
