package io.otnn.streams.batching.commit;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;

/**
 * Lets a processor forward records outside {@code process()} and {@code punctuate()}, and forward an earlier
 * record's outcome under that record's own origin (topic, partition, offset, headers), as its error handlers and
 * sinks expect. Needed because the {@link PreCommitHook} runs with no processor node current; used by
 * {@link InMemoryBeforeCommit} only.
 *
 * <p>Uses Kafka Streams internals, the same calls its record caches make when they flush on commit.
 */
final class ProcessorScope<K, V> {

    /** Where a record came from, as Kafka Streams' sinks and error handlers read it. */
    record Origin(ProcessorRecordContext context) {}

    private final InternalProcessorContext<K, V> context;
    private final ProcessorNode<?, ?, ?, ?> node;

    private ProcessorScope(InternalProcessorContext<K, V> context) {
        this.context = context;
        this.node = context.currentNode();
    }

    /** Call from {@code init()}: remembers the processor's node. */
    static <K, V> ProcessorScope<K, V> of(ProcessorContext<K, V> context) {
        if (!(context instanceof InternalProcessorContext<K, V> internal) || internal.currentNode() == null) {
            throw new IllegalStateException("a batching processor needs Kafka Streams' own processor context, got "
                    + context.getClass().getName());
        }
        return new ProcessorScope<>(internal);
    }

    /** The origin of the record being processed now. */
    Origin origin() {
        return new Origin(context.recordContext());
    }

    /** Forwards {@code record} as if it were being processed from {@code origin}. */
    void forward(Record<K, V> record, Origin origin) {
        ProcessorRecordContext previous = context.recordContext();
        context.setRecordContext(origin.context());
        try {
            context.forward(record);
        } finally {
            context.setRecordContext(previous);
        }
    }

    /** Runs {@code work} with this processor's node current, so that it may forward. */
    void runAsProcessor(Runnable work) {
        ProcessorNode<?, ?, ?, ?> previousNode = context.currentNode();
        ProcessorRecordContext previousRecord = context.recordContext();
        context.setCurrentNode(node);
        try {
            work.run();
        } finally {
            context.setCurrentNode(previousNode);
            context.setRecordContext(previousRecord);
        }
    }
}
