package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.Explanation;
import io.otnn.local.LocalStack;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.Topics;
import io.otnn.streams.explaining.OtnnEngine;
import io.otnn.streams.format.AvroRecordFormat;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.KafkaTestClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two instances with the same application id share the 6 image partitions; one stops mid-run. Run with each
 * {@code batching.buffer}: changelogged, the stopped instance's waiting images move with their tasks in the store.
 */
class ScaleOutTest {

    private static final int IMAGES = 3_000;

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withEngine();

    private static LocalStack stack;
    private static OtnnEngine engine;

    @TempDir
    Path work;

    @BeforeAll
    static void sharePipelineParts() {
        stack = pipeline.stack();
        engine = pipeline.engine();
    }

    private StreamExplainerApp instance(String buffer, String name) {
        Map<String, Object> props =
                pipeline.explainerProps("scale-out-" + buffer, "scale-out-" + buffer + ".", work.resolve(name));
        props.put(ExplainerConfig.INSTANCE_ID_CONFIG, name);
        props.put(ExplainerConfig.BATCHING_BUFFER_CONFIG, buffer);
        return StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(engine)
                .build();
    }

    private static Set<String> instances(List<ConsumerRecord<String, Explanation>> read) {
        return read.stream().map(r -> r.value().getExplainerInstance()).collect(Collectors.toSet());
    }

    @ParameterizedTest(name = "batching.buffer={0}")
    @ValueSource(strings = {"in-memory", "changelogged"})
    void shouldExplainEveryImageExactlyOnceWhenTwoInstancesShareThePartitionsAndOneStopsMidRun(String buffer)
            throws Exception {
        AvroRecordFormat format = pipeline.format();
        try (StreamExplainerApp a = instance(buffer, "a");
                StreamExplainerApp b = instance(buffer, "b")) {
            a.start();
            b.start();
            assertThat(a.awaitRunning(Duration.ofSeconds(60))).isTrue();
            assertThat(b.awaitRunning(Duration.ofSeconds(60))).isTrue();
            Topics topics = a.topics();
            KafkaTestClients.awaitLeaders(
                    stack.bootstrapServers(), topics.images().name(), 6);
            Set<String> sent = KafkaTestClients.sendRandomImages(
                            stack.bootstrapServers(),
                            format,
                            topics.images().name(),
                            IMAGES,
                            "scale-%05d",
                            new Random(6),
                            false)
                    .keySet();

            // stop b as soon as both instances have committed explanations
            List<ConsumerRecord<String, Explanation>> early = KafkaTestClients.readCommitted(
                    stack.bootstrapServers(),
                    topics.explanations(),
                    read -> instances(read).size() == 2,
                    Duration.ofSeconds(300));
            Set<String> instancesBefore = instances(early);
            b.close();

            List<ConsumerRecord<String, Explanation>> out = KafkaTestClients.readCommitted(
                    stack.bootstrapServers(),
                    topics.explanations(),
                    read -> read.size() >= IMAGES,
                    Duration.ofSeconds(300),
                    Duration.ofSeconds(2));
            Map<String, Long> perKey =
                    out.stream().collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
            Set<String> missing = new TreeSet<>(sent);
            missing.removeAll(perKey.keySet());
            assertThat(perKey.values()).as("one explanation per image").allMatch(count -> count == 1);
            assertThat(missing)
                    .as("images without an explanation (%d)", missing.size())
                    .isEmpty();
            assertThat(perKey).hasSize(IMAGES);
            assertThat(instancesBefore)
                    .as("both instances worked before one stopped")
                    .containsExactlyInAnyOrder("scale-out-" + buffer + "/a", "scale-out-" + buffer + "/b");
        }
    }
}
