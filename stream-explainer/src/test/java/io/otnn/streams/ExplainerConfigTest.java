package io.otnn.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExplainerConfigTest {

    @TempDir
    Path dir;

    @Test
    void shouldRunAStreamThreadPerCoreUpToTheImagePartitionsWithTheCoresSharedAmongTheirModelCalls() {
        assertThat(ExplainerConfig.defaultStreamThreads(2, 6)).isEqualTo(2);
        assertThat(ExplainerConfig.defaultStreamThreads(32, 6)).isEqualTo(6);
        assertThat(ExplainerConfig.defaultStreamThreads(1, 6)).isEqualTo(1);
        assertThat(ExplainerConfig.defaultTensorflowThreads(2, 2)).isEqualTo(1);
        assertThat(ExplainerConfig.defaultTensorflowThreads(32, 6)).isEqualTo(5);
        assertThat(ExplainerConfig.defaultTensorflowThreads(2, 4)).isEqualTo(1);
        assertThat(ExplainerConfig.defaultTensorflowThreads(4, 1)).isEqualTo(4);

        int cores = Runtime.getRuntime().availableProcessors();
        ExplainerConfig defaults =
                new ExplainerConfig(Map.of("bootstrap.servers", "k:9092", "topic.images.partitions", "3"));
        int threads = Math.min(cores, 3);
        assertThat(defaults.streamThreads()).isEqualTo(threads);
        assertThat(new StreamsConfig(defaults.streamsProperties()).getInt(StreamsConfig.NUM_STREAM_THREADS_CONFIG))
                .isEqualTo(threads);
        assertThat(defaults.tensorflowIntraOpThreads()).isEqualTo(Math.max(1, cores / threads));
        assertThat(defaults.tensorflowInterOpThreads()).isEqualTo(Math.max(1, cores / threads));
    }

    @Test
    void shouldKeepTheThreadCountsThatAreSet() {
        ExplainerConfig prefixed = new ExplainerConfig(Map.of(
                "bootstrap.servers", "k:9092",
                "kafka.num.stream.threads", "3",
                "tensorflow.intra.op.threads", "0",
                "tensorflow.inter.op.threads", "2"));
        assertThat(prefixed.streamThreads()).isEqualTo(3);
        assertThat(prefixed.streamsProperties()).containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "3");
        assertThat(prefixed.tensorflowIntraOpThreads()).isZero();
        assertThat(prefixed.tensorflowInterOpThreads()).isEqualTo(2);

        ExplainerConfig plain = new ExplainerConfig(Map.of("bootstrap.servers", "k:9092", "num.stream.threads", 1));
        assertThat(plain.streamThreads()).isEqualTo(1);
        assertThat(plain.tensorflowIntraOpThreads())
                .isEqualTo(Runtime.getRuntime().availableProcessors());

        assertThatThrownBy(() ->
                        new ExplainerConfig(Map.of("bootstrap.servers", "k:9092", "tensorflow.intra.op.threads", "-1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("at least 0");
    }

    @Test
    void shouldUseExactlyOnceV2AndTheDocumentedDefaultsWhenNothingElseIsSet() {
        ExplainerConfig config = new ExplainerConfig(Map.of("bootstrap.servers", "k:9092"));
        Properties streams = config.streamsProperties();
        assertThat(streams)
                .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2)
                .containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "otnn-stream-explainer")
                .containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "k:9092")
                .containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 50L)
                .containsEntry(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
        assertThat(new StreamsConfig(streams).getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG))
                .isEqualTo(50L);
        assertThat(config.batchMaxSize()).isEqualTo(64);
        assertThat(config.batchMaxWaitMs()).isEqualTo(20);
        assertThat(config.getInt(ExplainerConfig.TOPIC_IMAGES_PARTITIONS_CONFIG))
                .isEqualTo(6);
        assertThat(config.getLong(ExplainerConfig.METRICS_WINDOW_MS_CONFIG)).isEqualTo(10_000);
        assertThat(config.epsilons()).containsExactly(36 / 255.0, 0.5, 1.0);
        assertThat(config.getString(ExplainerConfig.FORMAT_CONFIG)).isEqualTo("avro");
        assertThat(config.batchingBuffer()).isEqualTo("in-memory");
    }

    @Test
    void shouldLetEnvironmentOverrideTheFileAndFlagsOverrideTheEnvironmentWhenAllAreGiven() throws Exception {
        Path file = dir.resolve("explainer.properties");
        Files.writeString(file, """
                bootstrap.servers=file:9092
                batch.max.size=8
                batch.max.wait.ms=5
                security.protocol=SASL_SSL
                kafka.sasl.mechanism=PLAIN
                """);
        ExplainerConfig config = ExplainerConfig.load(
                file,
                Map.of(
                        "OTNN_BATCH_MAX_SIZE",
                        "16",
                        "OTNN_BATCH_MAX_WAIT_MS",
                        "7",
                        "OTNN_KAFKA_SASL_JAAS_CONFIG",
                        "jaas-line",
                        "OTNN_HOME",
                        "/ignored"),
                Map.of("batch.max.wait.ms", "9"));
        assertThat(config.batchMaxSize()).isEqualTo(16);
        assertThat(config.batchMaxWaitMs()).isEqualTo(9);
        Properties streams = config.streamsProperties();
        assertThat(streams)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("sasl.jaas.config", "jaas-line")
                .containsEntry("bootstrap.servers", "file:9092")
                .doesNotContainKeys("batch.max.size", "home", "otnn.home");
    }

    @Test
    void shouldLeaveTheHttpServerOffOnLoopbackAndOutOfKafkasPropertiesWhenNotConfigured() {
        ExplainerConfig defaults = new ExplainerConfig(Map.of("bootstrap.servers", "k:9092"));
        assertThat(defaults.getInt(ExplainerConfig.HTTP_PORT_CONFIG)).isEqualTo(-1);
        assertThat(defaults.getString(ExplainerConfig.HTTP_BIND_CONFIG)).isEqualTo("127.0.0.1");

        ExplainerConfig fromEnvironment = ExplainerConfig.load(
                null,
                Map.of("bootstrap.servers", "k:9092", "OTNN_HTTP_PORT", "9464", "OTNN_HTTP_BIND", "0.0.0.0"),
                Map.of("bootstrap.servers", "k:9092"));
        assertThat(fromEnvironment.getInt(ExplainerConfig.HTTP_PORT_CONFIG)).isEqualTo(9464);
        assertThat(fromEnvironment.getString(ExplainerConfig.HTTP_BIND_CONFIG)).isEqualTo("0.0.0.0");
        assertThat(fromEnvironment.streamsProperties()).doesNotContainKeys("http.port", "http.bind");
        assertThatThrownBy(() -> new ExplainerConfig(Map.of("bootstrap.servers", "k:9092", "http.port", "65536")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("http.port");
    }

    @Test
    void shouldNameTheKeyAndRangeWhenAValueIsOutOfRange() {
        assertThatThrownBy(() -> new ExplainerConfig(Map.of("bootstrap.servers", "k:9092", "batch.max.size", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("batch.max.size");
    }

    @Test
    void shouldAcceptTheTwoBatchingBuffersAndNameTheKeyWhenAnotherIsAskedFor() {
        assertThat(new ExplainerConfig(Map.of("bootstrap.servers", "k:9092", "batching.buffer", "changelogged"))
                        .batchingBuffer())
                .isEqualTo("changelogged");
        assertThatThrownBy(() -> new ExplainerConfig(Map.of("bootstrap.servers", "k:9092", "batching.buffer", "disk")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("batching.buffer")
                .hasMessageContaining("in-memory")
                .hasMessageContaining("changelogged");
    }

    @Test
    void shouldReadCommitAfterBatchAndNameTheKeyWhenAnUnknownValueIsGiven() {
        assertThat(new ExplainerConfig(Map.of("bootstrap.servers", "k:9092", "commit.after.batch", "every"))
                        .commitAfterBatch())
                .isEqualTo(io.otnn.streams.batching.CommitAfterBatch.EVERY);
        assertThatThrownBy(
                        () -> new ExplainerConfig(Map.of("bootstrap.servers", "k:9092", "commit.after.batch", "now")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("commit.after.batch")
                .hasMessageContaining("partial");
    }

    @Test
    void shouldLetAFlagOverrideTheProcessingGuaranteeAndCommitIntervalWhenSomeoneInsists() {
        ExplainerConfig config = new ExplainerConfig(Map.of(
                "bootstrap.servers",
                "k:9092",
                "processing.guarantee",
                "at_least_once",
                "commit.interval.ms",
                "200",
                "max.task.idle.ms",
                "0"));
        assertThat(config.streamsProperties())
                .containsEntry("processing.guarantee", "at_least_once")
                .containsEntry("commit.interval.ms", "200")
                .containsEntry("max.task.idle.ms", "0");
    }

    @Test
    void shouldFindKafkaStreamsStateDirectoryWithOrWithoutThePrefixElseItsDefault() {
        assertThat(new ExplainerConfig(Map.of("bootstrap.servers", "k:9092")).stateDir())
                .isEqualTo(java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "kafka-streams"));
        assertThat(new ExplainerConfig(Map.of("bootstrap.servers", "k:9092", "state.dir", "/var/lib/otnn")).stateDir())
                .isEqualTo(java.nio.file.Path.of("/var/lib/otnn"));
        assertThat(new ExplainerConfig(Map.of("bootstrap.servers", "k:9092", "kafka.state.dir", "/srv/state"))
                        .stateDir())
                .isEqualTo(java.nio.file.Path.of("/srv/state"));
    }
}
