package io.otnn.streams.batching.commit;

/**
 * Where a waiting image came from, as its {@link TaskBuffer} needs it to forward the image's outcome and to let the
 * image go: for {@link InMemoryBeforeCommit} the record context Kafka Streams' sinks and error handlers read, for
 * {@link ChangeloggedBuffer} the image's key in the task's store. Opaque to the processor.
 */
public interface Origin {}
