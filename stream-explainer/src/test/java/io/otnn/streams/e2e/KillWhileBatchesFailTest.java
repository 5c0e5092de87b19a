package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.Explanation;
import io.otnn.explain.input.RejectionKind;
import io.otnn.explain.testing.Fixtures;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.TopicCreator;
import io.otnn.streams.Topics;
import io.otnn.streams.format.AvroRecordFormat;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.testing.ChildExplainer;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.FaultyExplainerMain;
import io.otnn.streams.testing.KafkaTestClients;
import io.otnn.streams.testing.OutcomeLedger;
import io.otnn.streams.testing.PacedSender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The explainer killed with SIGKILL while batches fail: a child JVM whose engine fails every model call that holds
 * a poisoned image (so those batches are retried image by image), killed twice mid-run while images keep arriving,
 * and restarted. Read with read_committed, every good image has exactly one explanation, its own, and every
 * poisoned image exactly one MODEL_ERROR dead letter.
 */
class KillWhileBatchesFailTest {

    private static final int WARM_UP = 100;
    private static final int IMAGES = 2_500;
    private static final int PER_SECOND = 100;
    /** Explanations each child must commit before it is killed. */
    private static final int PROGRESS_BEFORE_KILL = 400;

    private static final int POISON_EVERY = 40;

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withEngine();

    @TempDir
    Path work;

    @Test
    void shouldPublishOneOutcomePerImageWhenTheExplainerIsKilledWhileBatchesFail() throws Exception {
        String bootstrap = pipeline.stack().bootstrapServers();
        AvroRecordFormat format = pipeline.format();
        Map<String, Object> props = pipeline.explainerProps("kill-faulty", "kill-", work.resolve("state"));
        Topics topics = Topics.of(new ExplainerConfig(props), format);
        props.put(ExplainerConfig.BATCH_MAX_WAIT_MS_CONFIG, "100");
        // the killed member must leave the group quickly for the restarted one to get its partitions
        props.put("session.timeout.ms", "6000");
        props.put("heartbeat.interval.ms", "1000");
        Path log = work.resolve("child.log");
        TopicCreator.createMissing(
                Map.of("bootstrap.servers", bootstrap), TopicCreator.plan(new ExplainerConfig(props), topics));
        KafkaTestClients.awaitLeaders(bootstrap, topics.images().name(), 6);

        // the first child is running and has explained the warm-up images before the steady stream starts
        Map<String, ImageInput> warm = KafkaTestClients.sendRandomImages(
                bootstrap, format, topics.images().name(), WARM_UP, "kill-warm-%03d", new java.util.Random(4141), true);
        Path model = Fixtures.denseMnist();
        ChildExplainer child = ChildExplainer.start(FaultyExplainerMain.class, model, props, log);
        ChildExplainer last = null;
        try {
            int committed = KafkaTestClients.readCommitted(
                            bootstrap, topics.explanations(), read -> read.size() >= WARM_UP, Duration.ofSeconds(120))
                    .size();
            assertThat(committed).as("warm-up explained").isGreaterThanOrEqualTo(WARM_UP);
            PacedSender sender = PacedSender.start(
                    bootstrap,
                    format,
                    topics.images().name(),
                    IMAGES,
                    PER_SECOND,
                    "kill-%05d",
                    4242,
                    POISON_EVERY,
                    (byte) FaultyExplainerMain.POISON_VALUE);
            for (int round = 1; round <= 2; round++) {
                int target = committed + PROGRESS_BEFORE_KILL;
                List<ConsumerRecord<String, Explanation>> progress = KafkaTestClients.readCommitted(
                        bootstrap, topics.explanations(), read -> read.size() >= target, Duration.ofSeconds(120));
                assertThat(child.isAlive())
                        .as("child alive before kill %d", round)
                        .isTrue();
                assertThat(progress.size()).as("progress before kill %d", round).isGreaterThanOrEqualTo(target);
                assertThat(progress.size())
                        .as("images left to explain at kill %d", round)
                        .isLessThan(WARM_UP + IMAGES - IMAGES / POISON_EVERY);
                if (round == 1) {
                    assertThat(sender.sent())
                            .as("images still arriving at kill 1")
                            .isLessThan(IMAGES);
                }
                child.kill();
                committed = progress.size();
                System.out.printf(
                        "[fault scenario] SIGKILL %d after %d committed explanations, %d images sent%n",
                        round, committed, sender.sent());
                if (round < 2) {
                    child = ChildExplainer.start(FaultyExplainerMain.class, model, props, log);
                }
            }
            last = ChildExplainer.start(FaultyExplainerMain.class, model, props, log);
            Map<String, ImageInput> sent = sender.await(120, TimeUnit.SECONDS);
            OutcomeLedger ledger = new OutcomeLedger();
            ledger.goodAll(warm);
            sent.values().forEach(image -> {
                if (FaultyExplainerMain.isPoisoned(
                        OutcomeLedger.decodeRawU8(image, pipeline.engine().model()),
                        pipeline.engine().model().input().rawScale(),
                        pipeline.engine().model().input().rawOffset())) {
                    ledger.bad(
                            image.imageId(),
                            RejectionKind.MODEL_ERROR.name(),
                            format.writeImage(topics.images().name(), image));
                } else {
                    ledger.good(image);
                }
            });
            assertThat(ledger.badCount()).isEqualTo(IMAGES / POISON_EVERY);
            OutcomeLedger.Result result = ledger.read(
                    "SIGKILL twice while batches fail",
                    bootstrap,
                    topics,
                    pipeline.engine(),
                    Duration.ofSeconds(180),
                    Duration.ofSeconds(3));
            Files.copy(
                    log, Path.of("target", "kill-while-batches-fail-child.log"), StandardCopyOption.REPLACE_EXISTING);
            if (!result.lost().isEmpty()
                    || !result.duplicated().isEmpty()
                    || !result.notOwn().isEmpty()) {
                System.out.println("[fault scenario] lost "
                        + result.lost().stream().limit(20).toList()
                        + " duplicated "
                        + result.duplicated().entrySet().stream().limit(20).toList()
                        + " not own "
                        + result.notOwn().entrySet().stream().limit(20).toList());
            }
            result.assertExactlyOnceAndOwn();
            assertThat(last.isAlive()).isTrue();
            assertThat(last.terminate()).as("exit code after SIGTERM").isIn(0, 143);
        } finally {
            child.close();
            if (last != null) {
                last.close();
            }
        }
    }
}
