package io.otnn.streams.batching.commit;

import io.otnn.streams.input.ReceivedImage;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Waiting images are kept in a changelogged key-value store of their task (key: the image's offset, value: the
 * record as received), written when the image is read and deleted when its outcome is forwarded. Under
 * exactly-once the store's changelog is written in the transaction that commits the offsets, so a commit may take
 * the offset of an image still waiting: the image is then in the committed changelog, and after a crash or a move
 * the task's next owner restores it and explains it. Public API only; it cannot run anything before a commit, so a
 * batch runs when it is full or when its oldest image has waited {@code batch.max.wait.ms}, and its explanations
 * become visible at the commit after that.
 *
 * <p>It costs a changelog record (the image's bytes again) and a tombstone per image, and the store's restoration
 * when a task moves.
 */
public final class ChangeloggedBuffer implements ImageBuffer {

    /** Its value of {@code batching.buffer}. */
    public static final String KIND = "changelogged";
    /** The store; its changelog topic is {@code <application.id>-explain-waiting-images-changelog}. */
    public static final String STORE = "explain-waiting-images";

    private final String storeName;

    ChangeloggedBuffer(String storeName) {
        this.storeName = storeName;
    }

    @Override
    public String storeName() {
        return storeName;
    }

    @Override
    public StoreBuilder<KeyValueStore<Long, ReceivedImage>> storeBuilder() {
        // in memory with a changelog: restored from the changelog when a task starts; no cache, so that every put
        // and delete reaches the changelog in the transaction of the records forwarded with it
        return Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(storeName), Serdes.Long(), new ReceivedImageSerde())
                .withCachingDisabled();
    }

    @Override
    public <K, V> TaskBuffer<K, V> open(ProcessorContext<K, V> context, Runnable beforeCommit) {
        KeyValueStore<Long, ReceivedImage> store = context.getStateStore(storeName);
        return new StoreTaskBuffer<>(context, store);
    }

    /** The offset of a kept image, its key in the task's store (a task reads one partition). */
    private record StoreKey(long offset) implements Origin {}

    private record StoreTaskBuffer<K, V>(ProcessorContext<K, V> context, KeyValueStore<Long, ReceivedImage> store)
            implements TaskBuffer<K, V> {

        @Override
        public Origin keep(ReceivedImage image) {
            store.put(image.offset(), image);
            return new StoreKey(image.offset());
        }

        @Override
        public void forward(Record<K, V> record, Origin origin) {
            // from the task's own process() or punctuator; the record carries its image's source in its headers
            context.forward(record);
        }

        @Override
        public void release(Origin origin) {
            store.delete(((StoreKey) origin).offset());
        }

        @Override
        public void runAsProcessor(Runnable work) {
            work.run();
        }

        @Override
        public List<Kept> restored() {
            List<Kept> kept = new ArrayList<>();
            try (KeyValueIterator<Long, ReceivedImage> all = store.all()) {
                all.forEachRemaining(entry -> kept.add(new Kept(entry.value, new StoreKey(entry.key))));
            }
            return kept;
        }

        @Override
        public String atClose() {
            return "they stay in the changelogged store, and the task's next owner explains them";
        }
    }
}
