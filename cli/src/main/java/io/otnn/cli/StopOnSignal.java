package io.otnn.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * How a long-running command stops: on Ctrl-C or SIGTERM (a shutdown hook), or when {@link #requestStop()} is called.
 * The hook asks the command to stop, then holds the JVM until the command has closed what it opened
 * ({@link #stopped()}), for at most its grace period.
 */
public final class StopOnSignal {

    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Duration grace;
    private Thread hook;

    public StopOnSignal(Duration grace) {
        this.grace = grace;
    }

    /** Installs the shutdown hook, as a thread of this name; once, when the command starts to run. */
    public void install(String threadName) {
        hook = new Thread(this::onShutdown, threadName);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Asks the command to stop; returns at once. */
    public void requestStop() {
        stopRequested.countDown();
    }

    /** Waits until a stop is asked for. */
    public void await() throws InterruptedException {
        stopRequested.await();
    }

    /** Waits until a stop is asked for, at most {@code timeout}; whether one was. */
    public boolean await(Duration timeout) throws InterruptedException {
        return stopRequested.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The command has closed what it opened: the JVM may halt, and the hook is no longer needed. */
    public void stopped() {
        stopped.countDown();
        if (hook == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down (Ctrl-C): the hook is running and waits for this
        }
    }

    private void onShutdown() {
        requestStop();
        try {
            stopped.await(grace.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
