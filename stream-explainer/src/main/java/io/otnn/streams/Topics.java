package io.otnn.streams;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.streams.format.RecordFormat;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The application's topics with their serdes, for one configuration and one wire format.
 *
 * <p>Images are typed as raw bytes on purpose: the processor parses them so that unreadable records become
 * dead letters with their original bytes.
 */
public record Topics(
        Topic<byte[], byte[]> images,
        Topic<String, Explanation> explanations,
        Topic<String, DeadLetter> deadLetters,
        Topic<String, ExplanationMetrics> metrics,
        Topic<String, byte[]> models,
        RecordFormat format) {

    public static final String DEFAULT_IMAGES = "otnn.images";
    public static final String DEFAULT_EXPLANATIONS = "otnn.explanations";
    public static final String DEFAULT_DEAD_LETTERS = "otnn.images.dlq";
    public static final String DEFAULT_METRICS = "otnn.metrics";
    public static final String DEFAULT_MODELS = "otnn.models";

    public static Topics of(ExplainerConfig config, RecordFormat format) {
        return of(
                config.getString(ExplainerConfig.TOPIC_IMAGES_CONFIG),
                config.getString(ExplainerConfig.TOPIC_EXPLANATIONS_CONFIG),
                config.getString(ExplainerConfig.TOPIC_DEAD_LETTERS_CONFIG),
                config.getString(ExplainerConfig.TOPIC_METRICS_CONFIG),
                config.getString(ExplainerConfig.TOPIC_MODELS_CONFIG),
                format);
    }

    public static Topics defaults(RecordFormat format) {
        return of(DEFAULT_IMAGES, DEFAULT_EXPLANATIONS, DEFAULT_DEAD_LETTERS, DEFAULT_METRICS, DEFAULT_MODELS, format);
    }

    public static Topics of(
            String images,
            String explanations,
            String deadLetters,
            String metrics,
            String models,
            RecordFormat format) {
        return new Topics(
                new Topic<>(images, Serdes.ByteArray(), Serdes.ByteArray()),
                new Topic<>(explanations, Serdes.String(), format.explanationSerde()),
                new Topic<>(deadLetters, Serdes.String(), format.deadLetterSerde()),
                new Topic<>(metrics, Serdes.String(), format.metricsSerde()),
                new Topic<>(models, Serdes.String(), Serdes.ByteArray()),
                format);
    }
}
