package io.otnn.streams.batching;

import io.otnn.streams.records.ImageInput;

/**
 * A validated image waiting for its batch.
 *
 * @param owner  the processor (so the task) that read it and forwards its outcome
 * @param source the original record
 * @param input  the parsed image
 * @param pixels the pixels it decoded to, ready for the model
 * @param origin where it came from, for Kafka Streams' sinks and error handlers
 */
record WaitingImage(BatchingExplainProcessor owner, PendingImage source, ImageInput input, float[] pixels,
                    ProcessorScope.Origin origin) {
}
