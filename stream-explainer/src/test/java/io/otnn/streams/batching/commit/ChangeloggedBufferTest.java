package io.otnn.streams.batching.commit;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.Explanation;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.Topics;
import io.otnn.streams.format.JsonRecordFormat;
import io.otnn.streams.format.RecordFormat;
import io.otnn.streams.input.ReceivedImage;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.testing.Images;
import io.otnn.streams.testing.LinearTestEngine;
import io.otnn.streams.topology.ExplainerTopology;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The changelogged buffer in the topology (TopologyTestDriver, its wall clock): a waiting image is in the task's
 * store, with the bytes it arrived with, exactly until its explanation is forwarded; a batch runs when it is full or
 * when its oldest image has waited {@code batch.max.wait.ms}. Crashes, poison and scale-out: {@code CrashTest},
 * {@code PoisonTest}, {@code ScaleOutTest}, {@code WaitingImagesAtRebalanceTest} on the real broker.
 */
class ChangeloggedBufferTest {

    private static final Instant T0 = Instant.parse("2026-11-23T16:00:00Z");

    private final RecordFormat format = new JsonRecordFormat();
    private final Topics topics = Topics.defaults(format);
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> images;
    private TestOutputTopic<String, Explanation> explanations;
    private LinearTestEngine engine;

    @TempDir
    Path stateDir;

    private void start() {
        engine = LinearTestEngine.small();
        Map<String, Object> props = new HashMap<>();
        props.put(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(ExplainerConfig.BATCHING_BUFFER_CONFIG, ChangeloggedBuffer.KIND);
        props.put(ExplainerConfig.BATCH_MAX_SIZE_CONFIG, 4);
        props.put(ExplainerConfig.BATCH_MAX_WAIT_MS_CONFIG, 50L);
        props.put(ExplainerConfig.INSTANCE_ID_CONFIG, "test");
        ExplainerConfig config = new ExplainerConfig(props);
        Properties streams = config.streamsProperties();
        streams.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(ExplainerTopology.build(config, engine, topics), streams, T0);
        images = driver.createInputTopic(topics.images().name(), new ByteArraySerializer(), new ByteArraySerializer());
        explanations = driver.createOutputTopic(
                topics.explanations().name(),
                topics.explanations().keySerde().deserializer(),
                topics.explanations().valueSerde().deserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private byte[] send(int i) {
        ImageInput image = Images.rawU8("img-" + i, 4, 4, 1, i, null, T0.toEpochMilli());
        byte[] value = format.writeImage(topics.images().name(), image);
        images.pipeInput(image.imageId().getBytes(StandardCharsets.UTF_8), value, T0);
        return value;
    }

    private List<KeyValue<Long, ReceivedImage>> stored() {
        KeyValueStore<Long, ReceivedImage> store = driver.getKeyValueStore(ChangeloggedBuffer.STORE);
        List<KeyValue<Long, ReceivedImage>> all = new ArrayList<>();
        try (KeyValueIterator<Long, ReceivedImage> it = store.all()) {
            it.forEachRemaining(all::add);
        }
        return all;
    }

    @Test
    void shouldKeepEachImageInTheStoreUntilItsExplanationIsForwardedWhenItsBatchRunsOnTheWallClock() {
        start();
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            values.add(send(i));
        }

        assertThat(explanations.isEmpty())
                .as("not full, not waited long enough")
                .isTrue();
        List<KeyValue<Long, ReceivedImage>> waiting = stored();
        assertThat(waiting).extracting(kv -> kv.key).containsExactly(0L, 1L, 2L);
        for (int i = 0; i < 3; i++) {
            ReceivedImage image = waiting.get(i).value;
            assertThat(image.offset()).isEqualTo(i);
            assertThat(image.topic()).isEqualTo(topics.images().name());
            assertThat(image.keyText()).isEqualTo("img-" + i);
            assertThat(image.value()).isEqualTo(values.get(i));
        }

        driver.advanceWallClockTime(Duration.ofMillis(60));

        assertThat(explanations.readKeyValuesToList())
                .extracting(kv -> kv.key)
                .containsExactly("img-0", "img-1", "img-2");
        assertThat(engine.batchSizes()).containsExactly(3);
        assertThat(stored()).as("deleted with their explanations").isEmpty();
    }

    @Test
    void shouldExplainAFullBatchAtOnceAndLeaveNothingInTheStoreWhenItsImagesArrive() {
        start();
        for (int i = 0; i < 4; i++) {
            send(i);
        }

        assertThat(engine.batchSizes()).containsExactly(4);
        assertThat(explanations.readKeyValuesToList())
                .extracting(kv -> kv.key)
                .containsExactly("img-0", "img-1", "img-2", "img-3");
        assertThat(stored()).isEmpty();
    }

    @Test
    void shouldReadBackTheRecordAsReceivedWhenKeyAndValueAreNullOrNot() {
        ReceivedImageSerde serde = new ReceivedImageSerde();
        for (ReceivedImage image : List.of(
                new ReceivedImage("otnn.images", 5, 123_456_789_012L, 1L, 2L, "id".getBytes(), new byte[] {1, 2, 3}),
                new ReceivedImage("t", 0, 0, -1L, 0L, null, null),
                new ReceivedImage("t", 1, 7, 3L, 4L, new byte[0], new byte[0]))) {
            ReceivedImage back =
                    serde.deserializer().deserialize("c", serde.serializer().serialize("c", image));
            assertThat(back).usingRecursiveComparison().isEqualTo(image);
        }
        assertThat(serde.serializer().serialize("c", null)).isNull();
    }
}
