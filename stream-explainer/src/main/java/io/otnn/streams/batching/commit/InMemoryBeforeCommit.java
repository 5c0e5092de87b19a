package io.otnn.streams.batching.commit;

import io.otnn.streams.input.ReceivedImage;
import java.util.List;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Waiting images stay in memory, and every one of them is explained right before each commit of its task: no
 * commit can then take the offset of an image without its outcome, and a crash loses the waiting images together
 * with their uncommitted offsets, which are read again.
 *
 * <p>The hook is {@link PreCommitHook}, a state store that stores nothing: on every commit path (interval, request,
 * rebalance, clean shutdown) Kafka Streams flushes the task's cached stores before it takes the task's offsets, and
 * produces what they forward in the same transaction. It implements Kafka Streams' internal {@code CachedStateStore}
 * and forwards through {@code InternalProcessorContext} ({@link ProcessorScope}); {@link KafkaStreamsInternals}
 * checks them by reflection at start-up; {@code BatchingTest} and {@code WaitingImagesAtRebalanceTest} check on the
 * real broker that the hook really runs first.
 */
public final class InMemoryBeforeCommit implements ImageBuffer {

    /** Its value of {@code batching.buffer}. */
    public static final String KIND = "in-memory";
    /** The store-shaped hook through which Kafka Streams tells the processor that a commit is coming. */
    public static final String STORE = "explain-pre-commit";

    private final String storeName;

    InMemoryBeforeCommit(String storeName) {
        this.storeName = storeName;
    }

    @Override
    public String storeName() {
        return storeName;
    }

    @Override
    public StoreBuilder<?> storeBuilder() {
        return PreCommitHook.builder(storeName);
    }

    @Override
    public <K, V> TaskBuffer<K, V> open(ProcessorContext<K, V> context, Runnable beforeCommit) {
        ProcessorScope<K, V> scope = ProcessorScope.of(context);
        PreCommitHook hook = context.getStateStore(storeName);
        hook.beforeCommit(beforeCommit);
        return new InMemoryTaskBuffer<>(scope);
    }

    /** The record context of an image that waits in memory. */
    private record RecordOrigin(ProcessorScope.Origin context) implements Origin {}

    private record InMemoryTaskBuffer<K, V>(ProcessorScope<K, V> scope) implements TaskBuffer<K, V> {

        @Override
        public Origin keep(ReceivedImage image) {
            return new RecordOrigin(scope.origin());
        }

        @Override
        public void forward(Record<K, V> record, Origin origin) {
            scope.forward(record, ((RecordOrigin) origin).context());
        }

        @Override
        public void release(Origin origin) {
            // nothing is kept outside the processor's memory
        }

        @Override
        public void runAsProcessor(Runnable work) {
            scope.runAsProcessor(work);
        }

        @Override
        public List<Kept> restored() {
            return List.of();
        }

        @Override
        public String atClose() {
            // a clean close commits first, and its pre-commit hook explains every waiting image
            return "their offsets were not committed, so they will be read again from the last commit";
        }
    }
}
