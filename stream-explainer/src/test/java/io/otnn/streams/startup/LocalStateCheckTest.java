package io.otnn.streams.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local state built from one Kafka cluster is not reused against another: Kafka Streams' own clean-up deletes it. */
class LocalStateCheckTest {

    private static final String APP = "state-check-app";

    @TempDir
    Path stateDir;

    @Test
    void shouldDeleteStateBuiltFromAnotherClusterAndRecordThisOne() throws Exception {
        Path checkpoint = taskState("1_5");
        record("cluster-A");

        assertThat(checkWithKafkaStreams("cluster-B")).isEqualTo(LocalStateCheck.Outcome.OTHER_CLUSTER);

        assertThat(checkpoint).doesNotExist();
        assertThat(stateDir.resolve(APP).resolve("1_5")).doesNotExist();
        assertThat(marker()).isEqualTo("cluster-B");
    }

    @Test
    void shouldKeepStateBuiltFromThisCluster() throws Exception {
        Path checkpoint = taskState("1_5");
        record("cluster-B");

        assertThat(checkWithKafkaStreams("cluster-B")).isEqualTo(LocalStateCheck.Outcome.SAME_CLUSTER);

        assertThat(checkpoint).exists().hasContent("0\n1\notnn-stream-explainer-metric-windows-changelog 5 179");
        assertThat(marker()).isEqualTo("cluster-B");
    }

    @Test
    void shouldDeleteStateThatNamesNoCluster() throws Exception {
        Path checkpoint = taskState("0_2");

        assertThat(checkWithKafkaStreams("cluster-B")).isEqualTo(LocalStateCheck.Outcome.UNKNOWN_CLUSTER);

        assertThat(checkpoint).doesNotExist();
        assertThat(marker()).isEqualTo("cluster-B");
    }

    @Test
    void shouldRecordTheClusterBeforeAnyStateExists() throws Exception {
        record("cluster-A");
        boolean[] cleaned = {false};

        assertThat(LocalStateCheck.ensureStateOf("cluster-B", stateDir, APP, () -> cleaned[0] = true))
                .isEqualTo(LocalStateCheck.Outcome.NO_STATE);

        assertThat(cleaned[0]).as("nothing to delete").isFalse();
        assertThat(marker()).isEqualTo("cluster-B");
    }

    @Test
    void shouldLeaveStateAloneWhenTheBrokerNamesNoCluster() throws Exception {
        Path checkpoint = taskState("1_5");
        boolean[] cleaned = {false};

        assertThat(LocalStateCheck.ensureStateOf(null, stateDir, APP, () -> cleaned[0] = true))
                .isEqualTo(LocalStateCheck.Outcome.UNNAMED_CLUSTER);

        assertThat(cleaned[0]).isFalse();
        assertThat(checkpoint).exists();
        assertThat(stateDir.resolve(APP + LocalStateCheck.MARKER_SUFFIX)).doesNotExist();
    }

    /** A task directory laid out as Kafka Streams leaves one: a store directory and a checkpoint of its offsets. */
    private Path taskState(String task) throws Exception {
        Path taskDir = Files.createDirectories(stateDir.resolve(APP).resolve(task));
        Files.createDirectories(taskDir.resolve("rocksdb").resolve("metric-windows"));
        Files.writeString(taskDir.resolve("rocksdb").resolve("metric-windows").resolve("000001.sst"), "data");
        Path checkpoint = taskDir.resolve(".checkpoint");
        Files.writeString(
                checkpoint, "0\n1\notnn-stream-explainer-metric-windows-changelog 5 179", StandardCharsets.UTF_8);
        return checkpoint;
    }

    private void record(String clusterId) throws Exception {
        Files.writeString(stateDir.resolve(APP + LocalStateCheck.MARKER_SUFFIX), clusterId + "\n");
    }

    /** The check as the explainer runs it: Kafka Streams' own clean-up deletes the state. */
    private LocalStateCheck.Outcome checkWithKafkaStreams(String clusterId) {
        try (KafkaStreams streams = streams()) {
            return LocalStateCheck.ensureStateOf(clusterId, stateDir, APP, streams::cleanUp);
        }
    }

    private String marker() throws Exception {
        return Files.readString(stateDir.resolve(APP + LocalStateCheck.MARKER_SUFFIX))
                .strip();
    }

    /** A real Kafka Streams instance over this state directory, created but never started (no broker needed). */
    private KafkaStreams streams() {
        StreamsBuilder builder = new StreamsBuilder();
        builder.table("in", Consumed.with(Serdes.String(), Serdes.String()), Materialized.as("metric-windows"));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APP);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        return new KafkaStreams(builder.build(), props);
    }
}
