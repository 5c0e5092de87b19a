package io.otnn.streams.input;

/**
 * An input record as the explainer received it, before any parsing: what a dead letter carries back.
 *
 * @param topic      source topic
 * @param partition  source partition
 * @param offset     source offset
 * @param timestamp  source record timestamp
 * @param receivedAt wall clock when the processor received it (epoch ms)
 * @param key        original key bytes
 * @param value      original value bytes
 */
public record ReceivedImage(
        String topic, int partition, long offset, long timestamp, long receivedAt, byte[] key, byte[] value) {

    /** The key as text (the image id of a well-formed record), or {@code null}. */
    public String keyText() {
        return key == null ? null : new String(key, java.nio.charset.StandardCharsets.UTF_8);
    }
}
