package io.otnn.streams.topology;

import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.Topics;
import io.otnn.streams.batching.BatchSettings;
import io.otnn.streams.batching.BatchingExplainProcessor;
import io.otnn.streams.batching.Outcome;
import io.otnn.streams.batching.ThreadBatches;
import io.otnn.streams.batching.commit.ImageBuffer;
import io.otnn.streams.drift.DriftMonitor;
import io.otnn.streams.drift.DriftReferences;
import io.otnn.streams.errors.OutputGuard;
import io.otnn.streams.explaining.ExplanationEngine;
import io.otnn.streams.explaining.ServedModel;
import io.otnn.streams.metrics.MetricWindowsProcessor;
import io.otnn.streams.metrics.MetricsAccumulator;
import io.otnn.streams.metrics.MetricsKeys;
import io.otnn.streams.shadow.ComparisonAccumulator;
import io.otnn.streams.shadow.ComparisonWindowsProcessor;
import io.otnn.streams.shadow.ShadowModel;
import io.otnn.streams.shadow.ShadowTopics;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * The stream explainer's topology, built without side effects; {@code main} and the tests call it.
 *
 * <pre>
 * images (bytes) ─▶ explain (read → wait for a batch or a commit → engine)  ─┬─▶ explanations
 *                                                                             ├─▶ dead letters
 *                                                                             └─▶ per-batch partial figures
 *                  ─▶ repartition by model@version ─▶ tumbling windows, closed on the wall clock ─▶ metrics
 * </pre>
 *
 * With a shadow model, the same processor also forwards the shadow's explanations and per-batch comparison figures:
 *
 * <pre>
 * explain ─┬─▶ shadow explanations
 *          └─▶ per-batch comparison figures ─▶ repartition by primary@version|shadow@version
 *                                           ─▶ tumbling windows, closed on the wall clock ─▶ comparisons
 * </pre>
 */
public final class ExplainerTopology {

    /**
     * The store of the open metric windows. Not the name of the former window store ({@code metrics-windows}), whose
     * changelog holds records of another layout.
     */
    public static final String METRICS_STORE = "metrics-open-windows";
    /** The store of the open comparison windows (with a shadow model). */
    public static final String COMPARISON_STORE = "comparison-open-windows";

    private ExplainerTopology() {}

    public static Topology build(ExplainerConfig config, ExplanationEngine engine, Topics topics) {
        return build(config, engine, topics, OutputGuard.of(config, topics), new MetricWindowsProcessor.LateCounter());
    }

    /**
     * @param guard       the checks of every output (register it in the Streams properties with
     *                    {@link OutputGuard#register}, so that the processors and the production handler find it)
     * @param lateCounter counts metric figures that arrive after their window closed
     */
    public static Topology build(
            ExplainerConfig config,
            ExplanationEngine engine,
            Topics topics,
            OutputGuard guard,
            MetricWindowsProcessor.LateCounter lateCounter) {
        DriftReferences references = new DriftReferences(
                Map.of(engine.model().name() + "@" + engine.model().version(), engine.driftReference()));
        return build(config, ServedModel.fixed(engine), references, topics, guard, lateCounter, null, null);
    }

    /**
     * The topology over a model slot whose engine may change between batches (a live swap).
     *
     * @param driftReferences the drift reference of each model version, learnt as versions are accepted
     * @param shadow          a shadow model that explains every explained image too, or {@code null} for none
     * @param shadowTopics    its output topics (with a shadow)
     */
    public static Topology build(
            ExplainerConfig config,
            ServedModel served,
            DriftReferences driftReferences,
            Topics topics,
            OutputGuard guard,
            MetricWindowsProcessor.LateCounter lateCounter,
            ShadowModel shadow,
            ShadowTopics shadowTopics) {
        List<Double> epsilons = config.epsilons();
        String instance = config.getString(ExplainerConfig.APPLICATION_ID_CONFIG) + "/" + config.instanceId();
        StreamsBuilder builder = new StreamsBuilder();

        // where images wait for their batch (batching.buffer): in memory and explained before each commit, or in a
        // changelogged store
        ImageBuffer buffer = ImageBuffer.of(config.batchingBuffer());
        builder.addStateStore(buffer.storeBuilder());
        ThreadBatches batches = new ThreadBatches();
        BatchSettings settings = new BatchSettings(
                config.batchMaxSize(),
                config.batchMaxWaitMs(),
                config.imageMaxBytes(),
                instance,
                config.getLong(ExplainerConfig.METRICS_WINDOW_MS_CONFIG),
                epsilons,
                config.fidelitySettings(),
                config.commitAfterBatch());

        KStream<String, Outcome> outcomes = builder.stream(
                        topics.images().name(),
                        Consumed.with(
                                        topics.images().keySerde(),
                                        topics.images().valueSerde())
                                .withName("images"))
                .process(
                        () -> new BatchingExplainProcessor(settings, batches, buffer, served, topics.format(), shadow),
                        Named.as("explain"),
                        buffer.storeName());

        outcomes.filter((id, outcome) -> outcome instanceof Outcome.Explained, Named.as("explained"))
                .mapValues(outcome -> ((Outcome.Explained) outcome).explanation(), Named.as("explanation"))
                .to(
                        topics.explanations().name(),
                        Produced.with(
                                        topics.explanations().keySerde(),
                                        topics.explanations().valueSerde())
                                .withName("explanations"));

        outcomes.filter((id, outcome) -> outcome instanceof Outcome.Rejected, Named.as("rejected"))
                .mapValues(outcome -> ((Outcome.Rejected) outcome).deadLetter(), Named.as("dead-letter"))
                .to(
                        topics.deadLetters().name(),
                        Produced.with(
                                        topics.deadLetters().keySerde(),
                                        topics.deadLetters().valueSerde())
                                .withName("dead-letters"));

        long window = config.getLong(ExplainerConfig.METRICS_WINDOW_MS_CONFIG);
        long grace = config.getLong(ExplainerConfig.METRICS_GRACE_MS_CONFIG);
        // the processor already keys the partial figures by model@version; the repartition brings every task's
        // partials of one model version together (one record per batch and window, not per image); the windows
        // close on the wall clock (MetricWindowsProcessor), not on stream time
        builder.addStateStore(MetricWindowsProcessor.storeBuilder(METRICS_STORE));
        DriftMonitor drift = new DriftMonitor(driftReferences, config.driftThresholds());
        outcomes.filter((modelKey, outcome) -> outcome instanceof Outcome.MetricsPartial, Named.as("metrics-partials"))
                .mapValues(outcome -> ((Outcome.MetricsPartial) outcome).figures(), Named.as("metrics-figures"))
                .repartition(Repartitioned.<String, MetricsAccumulator>as("metrics-by-model")
                        .withKeySerde(Serdes.String())
                        .withValueSerde(MetricsAccumulator.serde()))
                .process(
                        () -> new MetricWindowsProcessor(
                                METRICS_STORE, window, grace, epsilons, guard.policy(), lateCounter, drift),
                        Named.as("metrics-windows"),
                        METRICS_STORE)
                .to(
                        topics.metrics().name(),
                        Produced.with(
                                        topics.metrics().keySerde(),
                                        topics.metrics().valueSerde())
                                .withName("metrics"));

        if (shadow != null) {
            addShadowOutputs(builder, outcomes, shadow, shadowTopics, window, grace, guard);
        }
        return builder.build();
    }

    private static void addShadowOutputs(
            StreamsBuilder builder,
            KStream<String, Outcome> outcomes,
            ShadowModel shadow,
            ShadowTopics topics,
            long window,
            long grace,
            OutputGuard guard) {
        outcomes.filter((id, outcome) -> outcome instanceof Outcome.ShadowExplained, Named.as("shadow-explained"))
                .mapValues(outcome -> ((Outcome.ShadowExplained) outcome).explanation(), Named.as("shadow-explanation"))
                .to(
                        topics.explanations().name(),
                        Produced.with(
                                        topics.explanations().keySerde(),
                                        topics.explanations().valueSerde())
                                .withName("shadow-explanations"));
        // as the metric figures: one record per batch, window and model pair, brought together by the repartition
        builder.addStateStore(ComparisonWindowsProcessor.storeBuilder(COMPARISON_STORE));
        outcomes.filter(
                        (pairKey, outcome) -> outcome instanceof Outcome.ComparisonPartial,
                        Named.as("comparison-partials"))
                .mapValues(outcome -> ((Outcome.ComparisonPartial) outcome).figures(), Named.as("comparison-figures"))
                .repartition(Repartitioned.<String, ComparisonAccumulator>as("comparison-by-models")
                        .withKeySerde(Serdes.String())
                        .withValueSerde(ComparisonAccumulator.serde()))
                .process(
                        () -> new ComparisonWindowsProcessor(
                                COMPARISON_STORE, window, grace, guard.policy(), shadow.counters()),
                        Named.as("comparison-windows"),
                        COMPARISON_STORE)
                .to(
                        topics.comparisons().name(),
                        Produced.with(
                                        topics.comparisons().keySerde(),
                                        topics.comparisons().valueSerde())
                                .withName("comparisons"));
    }

    /** Key of a metrics record: window start (ISO-8601) and model name@version. */
    public static String metricsKey(long windowStart, String modelKey) {
        return MetricsKeys.of(windowStart, modelKey);
    }
}
