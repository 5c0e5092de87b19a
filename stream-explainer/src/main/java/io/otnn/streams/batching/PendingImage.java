package io.otnn.streams.batching;

/**
 * A validated image waiting for its batch, as kept in the changelogged pending store. It keeps the original
 * record (not the decoded pixels: smaller, and the dead letter of a model error needs the original bytes).
 *
 * @param topic      source topic
 * @param partition  source partition
 * @param offset     source offset (also the store key: unique within a task, ordered)
 * @param timestamp  source record timestamp
 * @param receivedAt wall clock when the processor received it (epoch ms)
 * @param key        original key bytes
 * @param value      original value bytes
 */
public record PendingImage(String topic, int partition, long offset, long timestamp, long receivedAt, byte[] key,
                           byte[] value) {
}
