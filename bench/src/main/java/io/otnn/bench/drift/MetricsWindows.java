package io.otnn.bench.drift;

import io.otnn.avro.ExplanationMetrics;
import io.otnn.streams.drift.DriftMonitor;
import io.otnn.streams.format.JsonRecordFormat;
import io.otnn.streams.metrics.MetricWindowsProcessor;
import io.otnn.streams.metrics.MetricsAccumulator;
import io.otnn.streams.metrics.MetricsSample;
import io.otnn.streams.time.EventTimePolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The metrics part of the stream explainer's topology, as the topology builds it (partial figures of each batch →
 * {@link MetricWindowsProcessor} with its changelogged store and wall-clock punctuator → metrics records), run by
 * Kafka Streams' {@link TopologyTestDriver} on a simulated wall clock: one window of partials is piped, the clock
 * advanced by a window, and the window's final record read back.
 */
public final class MetricsWindows implements AutoCloseable {

    private static final String STORE = "metrics-open-windows";
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    private static final List<Double> EPSILONS = List.of(36.0 / 255, 0.5, 1.0);

    private final TopologyTestDriver driver;
    private final TestInputTopic<String, MetricsAccumulator> partials;
    private final TestOutputTopic<String, ExplanationMetrics> metrics;
    private final long windowMs;
    private int next;

    public MetricsWindows(DriftMonitor drift, long windowMs, Path stateDir) {
        this.windowMs = windowMs;
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(MetricWindowsProcessor.storeBuilder(STORE));
        JsonRecordFormat json = new JsonRecordFormat();
        builder.stream("partials", Consumed.with(Serdes.String(), MetricsAccumulator.serde()))
                .process(
                        () -> new MetricWindowsProcessor(
                                STORE,
                                windowMs,
                                0,
                                EPSILONS,
                                new EventTimePolicy(
                                        EventTimePolicy.DEFAULT_MAX_FUTURE_MS, EventTimePolicy.DEFAULT_MAX_PAST_MS),
                                new MetricWindowsProcessor.LateCounter(),
                                drift),
                        STORE)
                .to("metrics", Produced.with(Serdes.String(), json.metricsSerde()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "drift-evaluation");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props, T0);
        partials = driver.createInputTopic(
                "partials",
                Serdes.String().serializer(),
                MetricsAccumulator.serde().serializer());
        metrics = driver.createOutputTopic(
                "metrics", Serdes.String().deserializer(), json.metricsSerde().deserializer());
    }

    /** Counts {@code samples} into the next window, in partials of {@code batch}, and returns its published record. */
    public ExplanationMetrics window(String modelKey, List<MetricsSample> samples, int batch) {
        long start = T0.toEpochMilli() + next * windowMs;
        next++;
        for (int from = 0; from < samples.size(); from += batch) {
            MetricsAccumulator partial = new MetricsAccumulator(EPSILONS.size());
            for (MetricsSample s : samples.subList(from, Math.min(samples.size(), from + batch))) {
                partial.add(s, EPSILONS);
            }
            partials.pipeInput(modelKey, partial, start + from * (windowMs - 1) / samples.size());
        }
        driver.advanceWallClockTime(Duration.ofMillis(windowMs));
        List<ExplanationMetrics> out = new ArrayList<>(metrics.readValuesToList());
        if (out.size() != 1 || out.get(0).getWindowStart().toEpochMilli() != start) {
            throw new IllegalStateException("expected the window at " + start + " alone, got " + out.size());
        }
        return out.get(0);
    }

    @Override
    public void close() {
        driver.close();
    }
}
