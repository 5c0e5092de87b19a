package io.otnn.streams.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.ErrorKind;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.streams.format.JsonRecordFormat;
import io.otnn.streams.time.EventTimePolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wall-clock metric windows on their own, with TopologyTestDriver's wall clock. */
class MetricWindowsProcessorTest {

    private static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");
    private static final long WINDOW = 10_000;
    private static final long GRACE = 1_000;
    private static final String MODEL = "m@1";

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, MetricsAccumulator> partials;
    private TestOutputTopic<String, ExplanationMetrics> metrics;
    private final MetricWindowsProcessor.LateCounter late = new MetricWindowsProcessor.LateCounter();

    @BeforeEach
    void start() {
        Topology topology = new Topology();
        topology.addSource(
                "partials",
                Serdes.String().deserializer(),
                MetricsAccumulator.serde().deserializer(),
                "partials");
        topology.addProcessor(
                "windows",
                () -> new MetricWindowsProcessor(
                        "windows", WINDOW, GRACE, List.of(0.5), EventTimePolicy.defaults(), late),
                "partials");
        topology.addStateStore(MetricWindowsProcessor.storeBuilder("windows"), "windows");
        topology.addSink(
                "metrics",
                "metrics",
                Serdes.String().serializer(),
                new JsonRecordFormat().metricsSerde().serializer(),
                "windows");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "windows");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(topology, props, T0);
        partials = driver.createInputTopic(
                "partials",
                Serdes.String().serializer(),
                MetricsAccumulator.serde().serializer());
        metrics = driver.createOutputTopic(
                "metrics",
                Serdes.String().deserializer(),
                new JsonRecordFormat().metricsSerde().deserializer());
    }

    @AfterEach
    void close() {
        driver.close();
    }

    /** Figures of {@code count} dead letters, so that each window's count says which partials it holds. */
    private static MetricsAccumulator deadLetters(int count) {
        MetricsAccumulator figures = new MetricsAccumulator(1);
        for (int i = 0; i < count; i++) {
            figures.add(
                    MetricsSample.of(DeadLetter.newBuilder()
                            .setSourceTopic("t")
                            .setPartition(0)
                            .setOffset(0)
                            .setErrorKind(ErrorKind.EMPTY_VALUE)
                            .setMessage("")
                            .setTime(Instant.EPOCH)
                            .setApplication("a")
                            .setRejectionKind("EMPTY_VALUE")
                            .setSourceTimestamp(0)
                            .setModelName("m")
                            .setModelVersion(1)
                            .build()),
                    List.of(0.5));
        }
        return figures;
    }

    @Test
    void shouldPublishTheWindowOnceWhenTheWallClockPassesItsEndPlusGraceWithoutFurtherFigures() {
        partials.pipeInput(MODEL, deadLetters(2), T0.plusMillis(100));
        partials.pipeInput(MODEL, deadLetters(3), T0.plusMillis(9_999));
        driver.advanceWallClockTime(Duration.ofMillis(WINDOW + GRACE - 1));
        assertThat(metrics.isEmpty()).as("open until its end plus grace").isTrue();
        driver.advanceWallClockTime(Duration.ofMillis(MetricWindowsProcessor.PUNCTUATE_MS + 1));
        List<KeyValue<String, ExplanationMetrics>> out = metrics.readKeyValuesToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key).isEqualTo("2026-12-01T08:00:00Z/m@1");
        assertThat(out.get(0).value.getDeadLetteredCount()).isEqualTo(5);
        assertThat(out.get(0).value.getWindowEnd().toEpochMilli()).isEqualTo(T0.toEpochMilli() + WINDOW);
        driver.advanceWallClockTime(Duration.ofMinutes(5));
        assertThat(metrics.isEmpty()).as("published once").isTrue();
    }

    @Test
    void shouldCountTheFiguresAsLateAndNotPublishTheWindowAgainWhenTheyArriveAfterItWasPublished() {
        partials.pipeInput(MODEL, deadLetters(2), T0.plusMillis(100));
        driver.advanceWallClockTime(Duration.ofMillis(WINDOW + GRACE + MetricWindowsProcessor.PUNCTUATE_MS));
        assertThat(metrics.readValuesToList()).hasSize(1);

        partials.pipeInput(MODEL, deadLetters(4), T0.plusMillis(200));
        driver.advanceWallClockTime(Duration.ofMinutes(5));
        assertThat(metrics.isEmpty()).isTrue();
        assertThat(late.latePartials()).isEqualTo(1);
        assertThat(late.lateOutcomes()).isEqualTo(4);
    }

    @Test
    void shouldWaitAGracePeriodForTheRestWhenAWindowsFirstFiguresArriveAfterItsEndPlusGrace() {
        driver.advanceWallClockTime(Duration.ofSeconds(60));
        partials.pipeInput(MODEL, deadLetters(1), T0.plusMillis(100));
        driver.advanceWallClockTime(Duration.ofMillis(GRACE / 2));
        partials.pipeInput(MODEL, deadLetters(2), T0.plusMillis(5_000));
        assertThat(metrics.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofMillis(GRACE / 2 + MetricWindowsProcessor.PUNCTUATE_MS));
        List<ExplanationMetrics> out = metrics.readValuesToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).getDeadLetteredCount()).isEqualTo(3);
        assertThat(late.latePartials()).isZero();
    }

    @Test
    void shouldKeepEveryOtherWindowOpenUntilItsOwnEndWhenAFutureWindowOpens() {
        partials.pipeInput(MODEL, deadLetters(1), T0.plusMillis(100));
        partials.pipeInput(MODEL, deadLetters(7), T0.plusSeconds(300));
        partials.pipeInput(MODEL, deadLetters(2), T0.plusMillis(200));
        driver.advanceWallClockTime(Duration.ofMillis(WINDOW + GRACE + MetricWindowsProcessor.PUNCTUATE_MS));
        List<ExplanationMetrics> first = metrics.readValuesToList();
        assertThat(first).hasSize(1);
        assertThat(first.get(0).getDeadLetteredCount()).isEqualTo(3);
        driver.advanceWallClockTime(Duration.ofSeconds(300));
        List<ExplanationMetrics> future = metrics.readValuesToList();
        assertThat(future).hasSize(1);
        assertThat(future.get(0).getWindowStart().toEpochMilli())
                .isEqualTo(T0.plusSeconds(300).toEpochMilli());
        assertThat(future.get(0).getDeadLetteredCount()).isEqualTo(7);
        assertThat(late.latePartials()).isZero();
    }

    @Test
    void shouldCountFiguresAsLateWhenTheirWindowEndedMoreThanTheRetentionAgo() {
        driver.advanceWallClockTime(Duration.ofMillis(MetricWindowsProcessor.RETENTION_MS + WINDOW + GRACE));
        partials.pipeInput(MODEL, deadLetters(3), T0.plusMillis(100));
        driver.advanceWallClockTime(Duration.ofSeconds(10));
        assertThat(metrics.isEmpty()).isTrue();
        assertThat(late.lateOutcomes()).isEqualTo(3);
    }
}
