package io.otnn.streams.errors;

/**
 * What a topic's broker accepts, as far as our outputs are concerned.
 *
 * @param maxMessageBytes the topic's {@code max.message.bytes} (a record batch, after compression)
 * @param maxFutureMs     {@code message.timestamp.after.max.ms}; {@link Long#MAX_VALUE} for LogAppendTime topics
 * @param maxPastMs       {@code message.timestamp.before.max.ms}; {@link Long#MAX_VALUE} for LogAppendTime topics
 */
public record TopicLimits(int maxMessageBytes, long maxFutureMs, long maxPastMs) {

    /** Kafka 4's broker defaults. */
    public static final TopicLimits KAFKA_DEFAULTS = new TopicLimits(1_048_588, 3_600_000L, Long.MAX_VALUE);
}
