package io.otnn.streams.batching.commit;

import io.otnn.streams.startup.StartupException;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Where the batching processor keeps the images that wait for their batch, so that exactly-once holds: Kafka Streams
 * commits the offset of every record handed to {@code process()}, whether or not anything was forwarded for it.
 * This package is the one place of the product that may use Kafka Streams' internal API.
 *
 * <ul>
 *   <li>{@link InMemoryBeforeCommit} ({@code batching.buffer=in-memory}, the default): in memory, every waiting image
 *       explained right before each commit of its task. Uses Kafka Streams internals, checked at start-up
 *       ({@link #requireSupported}).</li>
 *   <li>{@link ChangeloggedBuffer} ({@code batching.buffer=changelogged}): in a changelogged key-value store, written
 *       in the same transaction as the offsets and restored after a crash. Public API only.</li>
 * </ul>
 */
public interface ImageBuffer {

    /** The name of the store the explain processor must be connected to. */
    String storeName();

    /** The store to add to the topology ({@code StreamsBuilder.addStateStore}). */
    StoreBuilder<?> storeBuilder();

    /**
     * One task's side. Call from the processor's {@code init()}.
     *
     * @param beforeCommit what the processor must run right before each commit of the task, when the buffer can
     *                     call it (only {@link InMemoryBeforeCommit} can)
     */
    <K, V> TaskBuffer<K, V> open(ProcessorContext<K, V> context, Runnable beforeCommit);

    /**
     * The buffer of {@code batching.buffer}: {@code in-memory} or {@code changelogged}.
     *
     * @throws StartupException (one line) when {@code in-memory} cannot run on the Kafka Streams of the class path
     */
    static ImageBuffer of(String kind) {
        requireSupported(kind);
        return switch (kind) {
            case InMemoryBeforeCommit.KIND -> new InMemoryBeforeCommit(InMemoryBeforeCommit.STORE);
            case ChangeloggedBuffer.KIND -> new ChangeloggedBuffer(ChangeloggedBuffer.STORE);
            default ->
                throw new IllegalArgumentException("unknown batching buffer '" + kind + "': "
                        + InMemoryBeforeCommit.KIND + " or " + ChangeloggedBuffer.KIND);
        };
    }

    /**
     * Checks, before any class that uses Kafka Streams internals is loaded, that {@code kind} can run here.
     *
     * @throws StartupException (one line, which suggests {@code changelogged}) when it cannot
     */
    static void requireSupported(String kind) {
        requireSupported(kind, ImageBuffer.class.getClassLoader());
    }

    /** As {@link #requireSupported(String)}, for the Kafka Streams that {@code loader} sees. */
    static void requireSupported(String kind, ClassLoader loader) {
        if (kind.equals(InMemoryBeforeCommit.KIND)) {
            KafkaStreamsInternals.problem(loader).ifPresent(problem -> {
                throw new StartupException(KafkaStreamsInternals.refusal(problem));
            });
        }
    }
}
