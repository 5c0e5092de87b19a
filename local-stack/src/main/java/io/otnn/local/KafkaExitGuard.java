package io.otnn.local;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.utils.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands between the embedded broker and the JVM that hosts it when Kafka asks to end the process.
 *
 * <p>A Kafka server owns its process: on a fault it deems fatal (a failed log directory, an error in the raft
 * thread, a {@code FatalExitError} in a request handler) it calls {@link Exit#halt} or {@link Exit#exit}, which end
 * the JVM without a word. Here the broker shares its JVM with an application or a test run, so every such request
 * is first logged at ERROR with the calling thread's stack. While an embedded broker of this JVM is stopping, the
 * request is then ignored: the broker is going away anyway, and ending the JVM would take the host down with it
 * (a test run would lose every result it has not reported yet). At any other time the request is carried out, as
 * Kafka intends: a broker that hit a fatal fault must not go on serving.
 */
final class KafkaExitGuard {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaExitGuard.class);
    private static final AtomicInteger STOPPING = new AtomicInteger();
    private static final AtomicInteger IGNORED = new AtomicInteger();
    private static boolean installed;

    private KafkaExitGuard() {}

    /** Routes Kafka's exit and halt requests of this JVM through the guard. Idempotent. */
    static synchronized void install() {
        if (installed) {
            return;
        }
        Exit.setExitProcedure((status, message) -> {
            if (allowed("exit", status, message)) {
                System.exit(status);
            }
        });
        Exit.setHaltProcedure((status, message) -> {
            if (allowed("halt", status, message)) {
                Runtime.getRuntime().halt(status);
            }
        });
        installed = true;
    }

    /** Runs {@code stop}, during which Kafka's requests to end the JVM are logged and ignored. */
    static void whileStopping(Runnable stop) {
        STOPPING.incrementAndGet();
        try {
            stop.run();
        } finally {
            STOPPING.decrementAndGet();
        }
    }

    /** How many requests to end the JVM were ignored because a broker was stopping. */
    static int ignoredRequests() {
        return IGNORED.get();
    }

    private static boolean allowed(String action, int status, String message) {
        Throwable caller = new Throwable("Kafka's " + action + " request, from thread "
                + Thread.currentThread().getName());
        if (STOPPING.get() > 0) {
            IGNORED.incrementAndGet();
            LOG.error(
                    "the embedded Kafka broker asked to {} the JVM with status {} ({}) while stopping: ignored, the broker is stopping anyway",
                    action,
                    status,
                    message,
                    caller);
            return false;
        }
        LOG.error(
                "the embedded Kafka broker hit a fatal fault and ends the JVM ({} with status {}: {})",
                action,
                status,
                message,
                caller);
        return true;
    }
}
