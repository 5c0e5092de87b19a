package io.otnn.streams.topology;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;

import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.Topics;
import io.otnn.streams.batching.BatchSettings;
import io.otnn.streams.batching.BatchingExplainProcessor;
import io.otnn.streams.batching.Outcome;
import io.otnn.streams.batching.PreCommitHook;
import io.otnn.streams.batching.ThreadBatches;
import io.otnn.streams.engine.ExplanationEngine;
import io.otnn.streams.metrics.MetricsAccumulator;

/**
 * The stream explainer's topology, built without side effects; {@code main} and the tests call it.
 *
 * <pre>
 * images (bytes) ─▶ explain (read → wait for a batch or a commit → engine)  ─┬─▶ explanations
 *                                                                             ├─▶ dead letters
 *                                                                             └─▶ per-batch partial figures
 *                                         ─▶ repartition by model@version ─▶ tumbling windows (merge) ─▶ metrics
 * </pre>
 */
public final class ExplainerTopology {

    /** The store-shaped hook through which Kafka Streams tells the batching processor that a commit is coming. */
    public static final String PRE_COMMIT_HOOK = "explain-pre-commit";
    /** The window store of the metric windows. */
    public static final String METRICS_STORE = "metrics-windows";

    private ExplainerTopology() {
    }

    public static Topology build(ExplainerConfig config, ExplanationEngine engine, Topics topics) {
        List<Double> epsilons = config.epsilons();
        String instance = config.getString(ExplainerConfig.APPLICATION_ID_CONFIG) + "/" + config.instanceId();
        StreamsBuilder builder = new StreamsBuilder();

        builder.addStateStore(PreCommitHook.builder(PRE_COMMIT_HOOK));
        ThreadBatches batches = new ThreadBatches();
        BatchSettings settings = new BatchSettings(PRE_COMMIT_HOOK, config.batchMaxSize(), config.batchMaxWaitMs(),
                config.imageMaxBytes(), instance, config.getLong(ExplainerConfig.METRICS_WINDOW_MS_CONFIG), epsilons);

        KStream<String, Outcome> outcomes = builder
                .stream(topics.images().name(),
                        Consumed.with(topics.images().keySerde(), topics.images().valueSerde()).withName("images"))
                .process(() -> new BatchingExplainProcessor(settings, batches, engine, topics.format()),
                        Named.as("explain"), PRE_COMMIT_HOOK);

        outcomes.filter((id, outcome) -> outcome instanceof Outcome.Explained, Named.as("explained"))
                .mapValues(outcome -> ((Outcome.Explained) outcome).explanation(), Named.as("explanation"))
                .to(topics.explanations().name(), Produced.with(topics.explanations().keySerde(),
                        topics.explanations().valueSerde()).withName("explanations"));

        outcomes.filter((id, outcome) -> outcome instanceof Outcome.Rejected, Named.as("rejected"))
                .mapValues(outcome -> ((Outcome.Rejected) outcome).deadLetter(), Named.as("dead-letter"))
                .to(topics.deadLetters().name(), Produced.with(topics.deadLetters().keySerde(),
                        topics.deadLetters().valueSerde()).withName("dead-letters"));

        Duration window = Duration.ofMillis(config.getLong(ExplainerConfig.METRICS_WINDOW_MS_CONFIG));
        Duration grace = Duration.ofMillis(config.getLong(ExplainerConfig.METRICS_GRACE_MS_CONFIG));
        // the processor already keys the partial figures by model@version; the repartition brings every task's
        // partials of one model version together (one record per batch and window, not per image)
        outcomes.filter((modelKey, outcome) -> outcome instanceof Outcome.MetricsPartial, Named.as("metrics-partials"))
                .mapValues(outcome -> ((Outcome.MetricsPartial) outcome).figures(), Named.as("metrics-figures"))
                .repartition(Repartitioned.<String, MetricsAccumulator>as("metrics-by-model")
                        .withKeySerde(Serdes.String()).withValueSerde(MetricsAccumulator.serde()))
                .groupByKey(Grouped.with(Serdes.String(), MetricsAccumulator.serde()))
                .windowedBy(TimeWindows.ofSizeAndGrace(window, grace))
                .aggregate(() -> new MetricsAccumulator(epsilons.size()),
                        (model, partial, acc) -> acc.merge(partial),
                        Named.as("metrics-aggregate"),
                        Materialized.<String, MetricsAccumulator, org.apache.kafka.streams.state.WindowStore<
                                org.apache.kafka.common.utils.Bytes, byte[]>>as(METRICS_STORE)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(MetricsAccumulator.serde()))
                // final results only: one record per window and model version, once the grace period is over
                .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded())
                        .withName("metrics-final"))
                .toStream(Named.as("metrics-windows"))
                .map((windowed, acc) -> KeyValue.pair(metricsKey(windowed.window().start(), windowed.key()),
                        acc.toRecord(windowed.window().start(), windowed.window().end(), epsilons)),
                        Named.as("metrics-record"))
                .to(topics.metrics().name(), Produced.with(topics.metrics().keySerde(),
                        topics.metrics().valueSerde()).withName("metrics"));

        return builder.build();
    }

    /** Key of a metrics record: window start (ISO-8601) and model name@version. */
    public static String metricsKey(long windowStart, String modelKey) {
        return Instant.ofEpochMilli(windowStart) + "/" + modelKey;
    }
}
