package io.otnn.streams.records;

/**
 * A record the application could not explain, published on {@code otnn.images.dlq} with the original bytes.
 *
 * @param imageId     the image id when it could be read, else the key as text, else {@code null}
 * @param kind        why (see {@link io.otnn.explain.input.RejectionKind})
 * @param message     human-readable detail
 * @param topic       source topic
 * @param partition   source partition
 * @param offset      source offset
 * @param key         original key bytes (may be {@code null})
 * @param value       original value bytes (may be {@code null})
 * @param timestamp   the source record's timestamp
 * @param failedAt    wall clock of the rejection (epoch ms)
 * @param application application id and instance that rejected it
 * @param modelName   model in service at the time
 * @param modelVersion its version
 */
public record DeadLetterRecord(String imageId, String kind, String message, String topic, int partition,
                               long offset, byte[] key, byte[] value, long timestamp, long failedAt,
                               String application, String modelName, long modelVersion) {
}
