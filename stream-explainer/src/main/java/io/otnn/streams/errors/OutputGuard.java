package io.otnn.streams.errors;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.EncodedTensor;
import io.otnn.avro.Explanation;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.Topics;
import io.otnn.streams.time.EventTimePolicy;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks each output before it is forwarded, so that the broker does not refuse it: the time policy for its
 * timestamp, and its serialized size against {@code output.max.bytes} and the output topics' own
 * {@code max.message.bytes} (read at start-up). It also remembers the sources of the outputs the broker refused
 * anyway ({@link DeadLetteringProductionHandler}): when the refused image is read again after the aborted
 * transaction, {@link #refusal} turns it into a {@code PRODUCTION} dead letter instead of sending the same record
 * once more.
 *
 * <p>One per application instance, shared by its stream threads, the processor and the production handler (which
 * find it in the application's configs under {@link #CONFIG}).
 */
public final class OutputGuard {

    /** The key under which the application's configs carry this object. */
    public static final String CONFIG = "otnn.output.guard";
    /** The header on each explanation and dead letter naming its source record: {@code topic:partition:offset}. */
    public static final String SOURCE_HEADER = "otnn.source";
    /**
     * The header on each shadow explanation naming its source record: not {@link #SOURCE_HEADER}, so that a shadow
     * explanation the broker refuses is dropped when the image is read again, never made the image's dead letter.
     */
    public static final String SHADOW_SOURCE_HEADER = "otnn.shadow.source";
    /** Room left in a record batch for the key, the headers and the batch's own overhead. */
    static final int RECORD_OVERHEAD_BYTES = 1024;
    /** How many refused sources are remembered. */
    static final int MAX_REFUSALS = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(OutputGuard.class);

    private final EventTimePolicy configuredPolicy;
    private final Topics topics;
    /**
     * Sources whose output the broker refused, with why. Kept, not consumed on use: the transaction that carries the
     * dead letter may be aborted too, and the image read once more. Bounded (oldest forgotten first).
     */
    private final Map<String, String> refused =
            java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                    return size() > MAX_REFUSALS;
                }
            });

    /** Sources whose shadow explanation the broker refused, with why; bounded like {@link #refused}. */
    private final Map<String, String> refusedShadows =
            java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                    return size() > MAX_REFUSALS;
                }
            });

    private volatile EventTimePolicy policy;
    private volatile int explanationMaxBytes;
    private volatile int deadLetterMaxBytes;
    private volatile int producerBatchBytes = 16_384;

    public OutputGuard(EventTimePolicy policy, int maxBytes, Topics topics) {
        this.configuredPolicy = policy;
        this.topics = topics;
        this.policy = policy;
        this.explanationMaxBytes = maxBytes;
        this.deadLetterMaxBytes = maxBytes;
    }

    public static OutputGuard of(ExplainerConfig config, Topics topics) {
        return new OutputGuard(
                config.eventTimePolicy(), config.getInt(ExplainerConfig.OUTPUT_MAX_BYTES_CONFIG), topics);
    }

    /**
     * The guard registered in the application's configs; without one (a topology run outside
     * {@code StreamExplainerApp} that did not register it), the default time policy and no size checks.
     */
    public static OutputGuard from(Map<String, Object> appConfigs) {
        return appConfigs.get(CONFIG) instanceof OutputGuard guard
                ? guard
                : new OutputGuard(EventTimePolicy.defaults(), ExplainerConfig.DEFAULT_OUTPUT_MAX_BYTES, null);
    }

    /** Puts this guard and the production handler into Kafka Streams' properties. */
    public void register(Map<Object, Object> streamsProperties) {
        streamsProperties.put(CONFIG, this);
        streamsProperties.putIfAbsent(
                StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetteringProductionHandler.class.getName());
        Object batchSize = streamsProperties.getOrDefault(
                StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG),
                streamsProperties.get(ProducerConfig.BATCH_SIZE_CONFIG));
        if (batchSize != null) {
            producerBatchBytes = Integer.parseInt(batchSize.toString());
        }
        Object maxRequest = streamsProperties.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        if (maxRequest != null) {
            narrowBytes(Integer.parseInt(maxRequest.toString()), Integer.parseInt(maxRequest.toString()));
        }
    }

    /**
     * Reads the output topics' size and timestamp limits from the brokers and narrows the checks to them. A topic
     * that cannot be described keeps the configured limits (logged); the production handler is the safety net.
     */
    public void readTopicLimits(Map<String, Object> adminProperties) {
        if (topics == null) {
            return;
        }
        Map<String, TopicLimits> limits = describe(
                adminProperties,
                List.of(
                        topics.explanations().name(),
                        topics.deadLetters().name(),
                        topics.metrics().name()));
        TopicLimits explanations = limits.get(topics.explanations().name());
        TopicLimits deadLetters = limits.get(topics.deadLetters().name());
        if (explanations != null && deadLetters != null) {
            narrowBytes(explanations.maxMessageBytes(), deadLetters.maxMessageBytes());
        }
        limits.forEach((topic, limit) -> {
            if (limit.maxMessageBytes() < producerBatchBytes + RECORD_OVERHEAD_BYTES) {
                // the producer fills batches up to batch.size, and splits a refused one into batches of that size:
                // the broker would refuse batches of records that each fit
                LOG.warn(
                        "Topic {} accepts {} bytes per batch, not much more than the producer's batch.size ({}): "
                                + "lower batch.size (producer.batch.size) below it, or the broker may refuse whole batches",
                        topic,
                        limit.maxMessageBytes(),
                        producerBatchBytes);
            }
        });
        EventTimePolicy narrowed = configuredPolicy;
        for (TopicLimits topic : limits.values()) {
            // a second of margin: the broker compares with its own clock when the batch arrives
            narrowed = narrowed.within(Math.max(0, topic.maxFutureMs() - 1000), Math.max(0, topic.maxPastMs() - 1000));
        }
        if (narrowed.maxFutureMs() != configuredPolicy.maxFutureMs()
                || narrowed.maxPastMs() != configuredPolicy.maxPastMs()) {
            LOG.info(
                    "Event times allowed {} ms ahead and {} ms behind the wall clock (narrowed to the output topics' "
                            + "timestamp limits)",
                    narrowed.maxFutureMs(),
                    narrowed.maxPastMs());
        }
        policy = narrowed;
    }

    private void narrowBytes(int explanationTopicBytes, int deadLetterTopicBytes) {
        explanationMaxBytes = Math.min(explanationMaxBytes, explanationTopicBytes - RECORD_OVERHEAD_BYTES);
        deadLetterMaxBytes = Math.min(deadLetterMaxBytes, deadLetterTopicBytes - RECORD_OVERHEAD_BYTES);
    }

    /** Describes each topic; a topic created a moment ago may be unknown for a while: retried for 15 s. */
    private static Map<String, TopicLimits> describe(Map<String, Object> adminProperties, Collection<String> names) {
        Map<String, TopicLimits> limits = new HashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        try (Admin admin = Admin.create(adminProperties)) {
            for (String name : names) {
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, name);
                while (true) {
                    try {
                        Config config = admin.describeConfigs(List.of(resource))
                                .all()
                                .get(15, TimeUnit.SECONDS)
                                .get(resource);
                        limits.put(name, limits(config));
                        break;
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
                                || System.nanoTime() > deadline) {
                            LOG.warn(
                                    "Cannot read the limits of topic {}, keeping the configured ones: {}",
                                    name,
                                    e.getCause().toString());
                            break;
                        }
                        Thread.sleep(100);
                    }
                }
            }
        } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
            LOG.warn("Cannot read the output topics' limits, keeping the configured ones: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return limits;
    }

    private static TopicLimits limits(Config config) {
        TopicLimits defaults = TopicLimits.KAFKA_DEFAULTS;
        int bytes = (int) number(config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG), defaults.maxMessageBytes());
        ConfigEntry type = config.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG);
        if (type != null && "LogAppendTime".equals(type.value())) {
            return new TopicLimits(bytes, Long.MAX_VALUE, Long.MAX_VALUE);
        }
        return new TopicLimits(
                bytes,
                number(config.get(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG), defaults.maxFutureMs()),
                number(config.get(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG), defaults.maxPastMs()));
    }

    private static long number(ConfigEntry entry, long otherwise) {
        if (entry == null || entry.value() == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(entry.value());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /** The time policy, narrowed to the output topics' limits once they are known. */
    public EventTimePolicy policy() {
        return policy;
    }

    /**
     * Why this explanation must not be sent, if it must not: the broker refused it before (its source is
     * remembered), or it is larger than the explanations topic accepts.
     */
    public Optional<String> refusal(String topic, int partition, long offset, Explanation explanation) {
        String before = refused.isEmpty() ? null : refused.get(source(topic, partition, offset));
        if (before != null) {
            return Optional.of("the broker refused the explanation: " + before);
        }
        if (topics == null || sizeBound(explanation) <= explanationMaxBytes) {
            // almost always: no serialization on the hot path, the sink serializes it once
            return Optional.empty();
        }
        int size = size(
                topics.explanations().valueSerde().serializer(),
                topics.explanations().name(),
                explanation);
        if (size > explanationMaxBytes) {
            return Optional.of("the explanation is " + size + " bytes, more than the " + explanationMaxBytes + " that "
                    + topics.explanations().name() + " accepts");
        }
        return Optional.empty();
    }

    /**
     * A size that no serialization of this explanation exceeds, in the Avro contract or the JSON debugging format
     * (Avro's JSON encoding): every byte of the encoded maps at most 6 characters in JSON (a unicode escape), every
     * string character at most 6 (an escape), and each string is counted twice (class names appear in two
     * places); the numbers, field names and framing fit in the fixed part. Computed from lengths only.
     */
    static long sizeBound(Explanation e) {
        long chars = length(e.getImageId())
                + length(e.getModelName())
                + length(e.getPredictedClassName())
                + length(e.getRunnerUpClassName())
                + length(e.getExplainerInstance())
                + length(e.getCounterfactual().getTargetClassName());
        long bytes = tensorBytes(e.getSaliency())
                + tensorBytes(e.getSignedGradient())
                + tensorBytes(e.getCounterfactual().getImage())
                + tensorBytes(e.getInput());
        return 4096 + 12 * chars + 6 * bytes + 32L * e.getScores().size();
    }

    private static long length(String text) {
        return text == null ? 0 : text.length();
    }

    private static long tensorBytes(EncodedTensor tensor) {
        return tensor == null || tensor.getData() == null ? 0 : tensor.getData().remaining();
    }

    /**
     * Why the broker refused the dead letter of this source record before, if it did (then the processor sends it
     * again without the original value and with the wall clock as its timestamp).
     */
    public Optional<String> refusedBefore(String topic, int partition, long offset) {
        return Optional.ofNullable(refused.get(source(topic, partition, offset)));
    }

    /** Whether this dead letter fits the dead-letter topic with its original value. */
    public boolean fits(DeadLetter deadLetter) {
        return topics == null
                || size(
                                topics.deadLetters().valueSerde().serializer(),
                                topics.deadLetters().name(),
                                deadLetter)
                        <= deadLetterMaxBytes;
    }

    private static <T> int size(Serializer<T> serializer, String topic, T value) {
        byte[] bytes = serializer.serialize(topic, value);
        return bytes == null ? 0 : bytes.length;
    }

    /**
     * Why this shadow explanation must not be sent, if it must not: the broker refused it before, or it is larger
     * than the explanations topic accepts (the shadow's topic carries the same schema and is held to the same limit).
     */
    public Optional<String> shadowRefusal(String topic, int partition, long offset, Explanation explanation) {
        String before = refusedShadows.isEmpty() ? null : refusedShadows.get(source(topic, partition, offset));
        if (before != null) {
            return Optional.of("the broker refused the shadow explanation: " + before);
        }
        if (topics == null || sizeBound(explanation) <= explanationMaxBytes) {
            return Optional.empty();
        }
        int size = size(
                topics.explanations().valueSerde().serializer(),
                topics.explanations().name(),
                explanation);
        if (size > explanationMaxBytes) {
            return Optional.of("the shadow explanation is " + size + " bytes, more than the " + explanationMaxBytes
                    + " an explanation may take");
        }
        return Optional.empty();
    }

    /** Remembers that the broker refused the shadow explanation of this source record. */
    void rememberShadow(String source, String reason) {
        refusedShadows.put(source, reason);
    }

    /** The headers that name a shadow explanation's source record. */
    public static Headers shadowSourceHeaders(String topic, int partition, long offset) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(SHADOW_SOURCE_HEADER, source(topic, partition, offset).getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    /** Remembers that the broker refused the output of this source record. */
    void remember(String source, String reason) {
        refused.put(source, reason);
    }

    /** How many refused sources are remembered. */
    public int refusals() {
        return refused.size();
    }

    /** The headers that name an output's source record. */
    public static Headers sourceHeaders(String topic, int partition, long offset) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(SOURCE_HEADER, source(topic, partition, offset).getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    static String source(String topic, int partition, long offset) {
        return topic + ":" + partition + ":" + offset;
    }
}
