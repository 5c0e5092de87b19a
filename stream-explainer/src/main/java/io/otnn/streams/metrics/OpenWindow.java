package io.otnn.streams.metrics;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A window in the store of a {@link WallClockWindowsProcessor}: open with its figures until {@code dueAt}, then
 * published, kept as a marker without figures until {@code dueAt} (its expiry) so that late figures are recognised.
 *
 * @param dueAt   wall clock (epoch ms) when an open window is published, or when a published marker expires
 * @param figures the figures so far; {@code null} once published
 * @param <A>     the figures' type (a {@link MetricsAccumulator} for the metric windows)
 */
public record OpenWindow<A>(long dueAt, A figures) {

    public boolean published() {
        return figures == null;
    }

    /** The serde of the metric windows' store. */
    public static Serde<OpenWindow<MetricsAccumulator>> serde() {
        return serde(MetricsAccumulator.serde());
    }

    /** The serde of a store of windows whose figures {@code figuresSerde} writes (never as zero bytes). */
    public static <A> Serde<OpenWindow<A>> serde(Serde<A> figuresSerde) {
        Serializer<OpenWindow<A>> serializer = (topic, window) -> {
            if (window == null) {
                return null;
            }
            byte[] figures = window.figures == null
                    ? new byte[0]
                    : figuresSerde.serializer().serialize(topic, window.figures);
            return ByteBuffer.allocate(8 + figures.length)
                    .putLong(window.dueAt)
                    .put(figures)
                    .array();
        };
        Deserializer<OpenWindow<A>> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            if (bytes.length < 8) {
                throw new SerializationException("an open window needs at least 8 bytes, got " + bytes.length);
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            long dueAt = buffer.getLong();
            if (!buffer.hasRemaining()) {
                return new OpenWindow<>(dueAt, null);
            }
            byte[] figures = new byte[buffer.remaining()];
            buffer.get(figures);
            return new OpenWindow<>(dueAt, figuresSerde.deserializer().deserialize(topic, figures));
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
