package io.otnn.streams.batching;

/**
 * The original record of an image waiting for its batch: the dead letter of a model error carries these bytes.
 *
 * @param topic      source topic
 * @param partition  source partition
 * @param offset     source offset
 * @param timestamp  source record timestamp
 * @param receivedAt wall clock when the processor received it (epoch ms)
 * @param key        original key bytes
 * @param value      original value bytes
 */
public record PendingImage(String topic, int partition, long offset, long timestamp, long receivedAt, byte[] key,
                           byte[] value) {
}
