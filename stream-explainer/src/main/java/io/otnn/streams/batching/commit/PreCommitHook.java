package io.otnn.streams.batching.commit;

import java.util.Map;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A state store that stores nothing: Kafka Streams calls it right before it takes its task's offsets for a commit
 * (and, under exactly-once, before it commits the transaction), and it runs the action its processor registered.
 *
 * <p>This is the hook Kafka Streams' own record caches use: every commit path (the commit interval, a requested
 * commit, a rebalance, a clean shutdown) first flushes each {@link CachedStateStore} of the task, and whatever the
 * flush forwards is produced in the transaction that carries the offsets. {@link CachedStateStore} is internal to
 * Kafka Streams (4.3.1 is pinned); {@code KafkaStreamsInternalsTest} and {@code WaitingImagesAtRebalanceTest} fail
 * if an upgrade changes it or stops calling it.
 */
final class PreCommitHook implements StateStore, CachedStateStore<Object, Object> {

    private final String name;
    private Runnable beforeCommit = () -> {};
    private boolean open;

    private PreCommitHook(String name) {
        this.name = name;
    }

    /** A builder for {@code builder.addStateStore(...)}: no changelog, no cache, nothing on disk. */
    static StoreBuilder<PreCommitHook> builder(String name) {
        return new Builder(name);
    }

    /** Runs {@code action} before every commit of this store's task; the last registration wins. */
    void beforeCommit(Runnable action) {
        this.beforeCommit = action;
    }

    @Override
    public void flushCache() {
        beforeCommit.run();
    }

    @Override
    public void clearCache() {
        // nothing is kept
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        context.register(root, (key, value) -> {});
        open = true;
    }

    @Override
    public void close() {
        beforeCommit = () -> {};
        open = false;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    private record Builder(String name) implements StoreBuilder<PreCommitHook> {

        @Override
        public StoreBuilder<PreCommitHook> withCachingEnabled() {
            return this;
        }

        @Override
        public StoreBuilder<PreCommitHook> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<PreCommitHook> withLoggingEnabled(Map<String, String> config) {
            throw new UnsupportedOperationException("the pre-commit hook has nothing to log");
        }

        @Override
        public StoreBuilder<PreCommitHook> withLoggingDisabled() {
            return this;
        }

        @Override
        public PreCommitHook build() {
            return new PreCommitHook(name);
        }

        @Override
        public Map<String, String> logConfig() {
            return Map.of();
        }

        @Override
        public boolean loggingEnabled() {
            return false;
        }
    }
}
