package io.otnn.streams.models;

import io.otnn.avro.ModelCheckpoint;

/**
 * One {@code ModelCheckpoint} record of the models topic, where it was read ({@code offset}) and when
 * ({@code readAtNanos}, the start of its swap time).
 */
public record Announcement(int partition, long offset, ModelCheckpoint event, long readAtNanos) {

    /** Unique among the topic's records (partition and offset). */
    public long id() {
        return ((long) partition << 40) | offset;
    }

    public int version() {
        return event.getVersion();
    }

    public String digest() {
        return event.getManifestDigest();
    }

    @Override
    public String toString() {
        return event.getModelName() + " v" + event.getVersion() + " (" + event.getUri() + ", offset " + offset + ")";
    }
}
