package io.otnn.streams.shadow;

import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationComparison;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.Topic;
import io.otnn.streams.format.RecordFormat;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serdes;

/** The shadow's two output topics: its explanations (the {@code Explanation} schema) and the comparison windows. */
public record ShadowTopics(Topic<String, Explanation> explanations, Topic<String, ExplanationComparison> comparisons) {

    public static final String DEFAULT_EXPLANATIONS = "otnn.explanations.shadow";
    public static final String DEFAULT_COMPARISONS = "otnn.metrics.comparison";

    public static ShadowTopics of(ExplainerConfig config, RecordFormat format) {
        return of(
                config.getString(ExplainerConfig.TOPIC_EXPLANATIONS_SHADOW_CONFIG),
                config.getString(ExplainerConfig.TOPIC_METRICS_COMPARISON_CONFIG),
                format);
    }

    public static ShadowTopics of(String explanations, String comparisons, RecordFormat format) {
        return new ShadowTopics(
                new Topic<>(explanations, Serdes.String(), format.explanationSerde()),
                new Topic<>(comparisons, Serdes.String(), format.comparisonSerde()));
    }

    /** The two topics to create when missing, with the partitions and replication of the other output topics. */
    public List<NewTopic> plan(ExplainerConfig config) {
        Optional<Integer> partitions = Optional.of(config.getInt(ExplainerConfig.TOPIC_PARTITIONS_CONFIG));
        Optional<Short> replication = Optional.of(config.getShort(ExplainerConfig.TOPIC_REPLICATION_FACTOR_CONFIG))
                .filter(r -> r > 0);
        return List.of(
                new NewTopic(explanations.name(), partitions, replication),
                new NewTopic(comparisons.name(), partitions, replication));
    }
}
