package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.Explanation;
import io.otnn.local.EmbeddedKafkaBroker;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.Topics;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.KafkaTestClients;
import io.otnn.streams.testing.OutcomeLedger;
import io.otnn.streams.testing.PacedSender;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker stopped and restarted on the same data directory and port while images keep arriving: the explainer
 * (same JVM, real engine) is left running through the outage and recovers by itself; every image is explained
 * exactly once, with its own explanation.
 */
class BrokerRestartTest {

    private static final int IMAGES = 3_000;
    private static final int PER_SECOND = 250;
    /** How long the broker stays down: the fault itself, long enough for every client to lose its connections. */
    private static final Duration OUTAGE = Duration.ofSeconds(5);

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withEngine();

    @TempDir
    Path stateDir;

    @Test
    void shouldExplainEveryImageExactlyOnceWhenTheBrokerIsRestartedMidRun() throws Exception {
        String bootstrap = pipeline.stack().bootstrapServers();
        EmbeddedKafkaBroker broker = pipeline.stack().broker();
        Map<String, Object> props = pipeline.explainerProps("broker-restart", "restart-", stateDir);
        props.put(ExplainerConfig.BATCH_MAX_WAIT_MS_CONFIG, "100");

        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(pipeline.engine())
                .build()
                .start()) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            Topics topics = app.topics();
            KafkaTestClients.awaitLeaders(bootstrap, topics.images().name(), 6);
            PacedSender sender = PacedSender.start(
                    bootstrap, pipeline.format(), topics.images().name(), IMAGES, PER_SECOND, "restart-%05d", 77);

            List<ConsumerRecord<String, Explanation>> before = KafkaTestClients.readCommitted(
                    bootstrap, topics.explanations(), read -> read.size() >= 300, Duration.ofSeconds(120));
            assertThat(before).as("explained before the outage").hasSizeGreaterThanOrEqualTo(300);
            int sentBefore = sender.sent();
            broker.stop();
            Thread.sleep(OUTAGE.toMillis()); // the length of the fault, not a synchronisation
            assertThat(app.state())
                    .as("the explainer keeps running through the outage")
                    .isNotIn(KafkaStreams.State.ERROR, KafkaStreams.State.NOT_RUNNING);
            broker.restart();
            int sentDuringOutage = sender.sent() - sentBefore;

            Map<String, ImageInput> sent = sender.await(180, TimeUnit.SECONDS);
            assertThat(sentDuringOutage)
                    .as("images handed to the producer while the broker was down")
                    .isPositive();
            assertThat(sent).hasSize(IMAGES);
            OutcomeLedger ledger = new OutcomeLedger();
            ledger.goodAll(sent);
            OutcomeLedger.Result result = ledger.read(
                    "broker restarted mid-run",
                    bootstrap,
                    topics,
                    pipeline.engine(),
                    Duration.ofSeconds(180),
                    Duration.ofSeconds(3));
            result.assertExactlyOnceAndOwn();
            assertThat(app.awaitRunning(Duration.ofSeconds(60)))
                    .as("running after the restart")
                    .isTrue();
        }
    }
}
