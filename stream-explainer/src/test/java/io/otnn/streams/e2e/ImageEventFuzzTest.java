package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.explain.ImageExplanation;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.Topics;
import io.otnn.streams.testing.Buffers;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.HostileImageEvents;
import io.otnn.streams.testing.HostileImageEvents.Hostile;
import io.otnn.streams.testing.KafkaTestClients;
import io.otnn.streams.testing.LinearTestEngine;
import io.otnn.streams.topology.ExplainerTopology;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input, seeded: mutations of valid {@code ImageEvent} bytes interleaved with good images. Every record gets
 * exactly one outcome (its explanation or its dead letter), every good image its own explanation, and the
 * application keeps running. 10,000 mutations through the topology (TopologyTestDriver, the real registry), 1,000 on
 * the real broker with the real engine. The counts are printed; a failure names the seed and the record.
 */
class ImageEventFuzzTest {

    private static final long TOPOLOGY_SEED = 20261201L;
    private static final long BROKER_SEED = 20261202L;
    private static final int IMAGE_MAX_BYTES = 900_000;

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withEngine();

    @TempDir
    Path stateDir;

    /** What the run saw, per record and in total; printed whatever the result. */
    private static final class Tally {
        final String run;
        int sent;
        int explained;
        int lost;
        int duplicated;
        final Map<String, Integer> deadLettered = new TreeMap<>();
        final Map<HostileImageEvents.Mutation, Integer> mutations = new EnumMap<>(HostileImageEvents.Mutation.class);
        final List<String> failures = new ArrayList<>();

        Tally(String run) {
            this.run = run;
        }

        void fail(Hostile h, String problem) {
            if (failures.size() < 20) {
                failures.add("record " + h.index() + " (" + h.mutation() + "): " + problem);
            }
        }

        void print() {
            int dead =
                    deadLettered.values().stream().mapToInt(Integer::intValue).sum();
            System.out.printf(
                    "fuzz %s: sent %d, explained %d, dead-lettered %d %s, lost %d, duplicated %d;" + " mutations %s%n",
                    run, sent, explained, dead, deadLettered, lost, duplicated, mutations);
            failures.forEach(f -> System.out.println("  " + f));
        }
    }

    @Test
    @Tag("slow")
    void shouldExplainOrDeadLetterEveryRecordExactlyOnceWhenTenThousandMutationsAreInterleavedWithGoodImages() {
        LinearTestEngine engine = new LinearTestEngine(28, 28, 1, 10, 11, pixels -> false);
        Topics topics = Topics.defaults(pipeline.format());
        Map<String, Object> props = new HashMap<>();
        props.put(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG, pipeline.stack().schemaRegistryUrl());
        props.put(ExplainerConfig.IMAGE_MAX_BYTES_CONFIG, IMAGE_MAX_BYTES);
        props.put(ExplainerConfig.INSTANCE_ID_CONFIG, "fuzz");
        ExplainerConfig config = new ExplainerConfig(props);
        Properties streams = config.streamsProperties();
        streams.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        Instant t0 = Instant.now();
        HostileImageEvents events = new HostileImageEvents(
                TOPOLOGY_SEED,
                pipeline.format(),
                pipeline.registry(),
                topics.images().name(),
                t0.toEpochMilli(),
                Long.MAX_VALUE,
                IMAGE_MAX_BYTES);
        Tally tally = new Tally("topology (seed " + TOPOLOGY_SEED + ")");

        try (TopologyTestDriver driver =
                new TopologyTestDriver(ExplainerTopology.build(config, engine, topics), streams, t0)) {
            TestInputTopic<byte[], byte[]> images = driver.createInputTopic(
                    topics.images().name(), new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<String, Explanation> explanations = driver.createOutputTopic(
                    topics.explanations().name(),
                    topics.explanations().keySerde().deserializer(),
                    topics.explanations().valueSerde().deserializer());
            TestOutputTopic<String, DeadLetter> deadLetters = driver.createOutputTopic(
                    topics.deadLetters().name(),
                    topics.deadLetters().keySerde().deserializer(),
                    topics.deadLetters().valueSerde().deserializer());
            long offset = 0;
            for (int n = 0; n < 10_000; n++) {
                List<Hostile> round = n % 2 == 0 ? List.of(events.hostile(), events.good()) : List.of(events.hostile());
                for (Hostile h : round) {
                    // the driver commits after each record, so each record's outcome is out when pipeInput returns
                    images.pipeInput(new TestRecord<>(h.key(), h.value(), t0.plusMillis(h.index())));
                    List<Explanation> explained = explanations.readValuesToList();
                    List<DeadLetter> dead = deadLetters.readValuesToList();
                    account(tally, h, topics.images().name(), 0, offset++, explained, dead);
                    for (Explanation e : explained) {
                        if (h.explain()) {
                            checkOwnExplanation(tally, h, e, engine.explainOne(h.pixels()));
                        }
                    }
                }
            }
            // still running: one more good image is explained
            Hostile last = events.good();
            images.pipeInput(new TestRecord<>(last.key(), last.value(), t0.plusMillis(last.index())));
            account(
                    tally,
                    last,
                    topics.images().name(),
                    0,
                    offset,
                    explanations.readValuesToList(),
                    deadLetters.readValuesToList());
        } finally {
            tally.print();
        }
        assertOutcome(tally, 15_001);
    }

    @Test
    void shouldExplainOrDeadLetterEveryRecordExactlyOnceOnTheRealBrokerWhenAThousandMutationsAreInterleaved()
            throws Exception {
        String run = "fuzz-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> props = pipeline.explainerProps(run, run + "-", stateDir);
        props.put(ExplainerConfig.IMAGE_MAX_BYTES_CONFIG, IMAGE_MAX_BYTES);
        props.put(ExplainerConfig.INSTANCE_ID_CONFIG, "fuzz");
        String bootstrap = pipeline.stack().bootstrapServers();
        Tally tally = new Tally("broker (seed " + BROKER_SEED + ")");

        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(pipeline.engine())
                .build()
                .start()) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            Topics topics = app.topics();
            String topic = topics.images().name();
            KafkaTestClients.awaitLeaders(bootstrap, topic, 6);
            HostileImageEvents events = new HostileImageEvents(
                    BROKER_SEED,
                    pipeline.format(),
                    pipeline.registry(),
                    topic,
                    System.currentTimeMillis(),
                    Duration.ofMinutes(30).toMillis(),
                    IMAGE_MAX_BYTES);

            // only what the accounting needs is kept: the values of large records are not
            List<Hostile> sent = new ArrayList<>();
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap)) {
                for (int n = 0; n < 1_000; n++) {
                    List<Hostile> round =
                            n % 2 == 0 ? List.of(events.hostile(), events.good()) : List.of(events.hostile());
                    for (Hostile h : round) {
                        sends.add(producer.send(new ProducerRecord<>(topic, h.index() % 6, null, h.key(), h.value())));
                        sent.add(new Hostile(
                                h.index(),
                                h.mutation(),
                                h.key(),
                                null,
                                h.expected(),
                                h.explain(),
                                h.pixels(),
                                h.decodedId()));
                    }
                }
                // one good image last in each partition: once it is explained, everything before it has an outcome
                for (int p = 0; p < 6; p++) {
                    Hostile marker = events.good();
                    sends.add(producer.send(new ProducerRecord<>(topic, p, null, marker.key(), marker.value())));
                    sent.add(marker);
                }
                producer.flush();
            }
            List<RecordMetadata> placed = new ArrayList<>();
            for (Future<RecordMetadata> send : sends) {
                placed.add(send.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
            List<String> markers = sent.subList(sent.size() - 6, sent.size()).stream()
                    .map(Hostile::decodedId)
                    .toList();

            List<ConsumerRecord<String, Explanation>> explained = KafkaTestClients.readCommitted(
                    bootstrap,
                    topics.explanations(),
                    read -> read.stream().map(ConsumerRecord::key).toList().containsAll(markers),
                    Duration.ofSeconds(240),
                    Duration.ofSeconds(2));
            long mustReject = sent.stream().filter(Hostile::mustBeRejected).count();
            List<ConsumerRecord<String, DeadLetter>> dead = KafkaTestClients.readCommitted(
                    bootstrap,
                    topics.deadLetters(),
                    read -> read.size() >= mustReject,
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(3));

            Map<String, List<Explanation>> explanationsById = new HashMap<>();
            explained.forEach(r -> explanationsById
                    .computeIfAbsent(r.key(), k -> new ArrayList<>())
                    .add(r.value()));
            Map<String, List<DeadLetter>> deadByPlace = new HashMap<>();
            dead.forEach(r -> deadByPlace
                    .computeIfAbsent(r.value().getPartition() + "@" + r.value().getOffset(), k -> new ArrayList<>())
                    .add(r.value()));

            // the engine's own explanations of the good images' pixels, in one call
            List<Hostile> good = sent.stream().filter(Hostile::explain).toList();
            List<ImageExplanation> expected = pipeline.engine()
                    .otnnModel()
                    .explain(good.stream().map(Hostile::pixels).toArray(float[][]::new));
            Map<Integer, ImageExplanation> expectedByIndex = new HashMap<>();
            for (int g = 0; g < good.size(); g++) {
                expectedByIndex.put(good.get(g).index(), expected.get(g));
            }

            int accountedExplanations = 0;
            int accountedDead = 0;
            for (int s = 0; s < sent.size(); s++) {
                Hostile h = sent.get(s);
                RecordMetadata where = placed.get(s);
                List<Explanation> mine =
                        h.decodedId() == null ? List.of() : explanationsById.getOrDefault(h.decodedId(), List.of());
                List<DeadLetter> myDead = deadByPlace.getOrDefault(where.partition() + "@" + where.offset(), List.of());
                accountedExplanations += mine.size();
                accountedDead += myDead.size();
                account(tally, h, topic, where.partition(), where.offset(), mine, myDead);
                if (h.explain() && mine.size() == 1) {
                    ImageExplanation x = expectedByIndex.get(h.index());
                    Explanation e = mine.get(0);
                    if (e.getPredictedClass() != x.predicted()
                            || Math.abs(e.getCertificate().getRadius() - x.radius()) > 1e-5
                            || Math.abs(e.getScores().get(e.getPredictedClass()) - x.scores()[x.predicted()]) > 1e-4) {
                        tally.fail(
                                h,
                                "explained as predicted " + e.getPredictedClass() + ", radius "
                                        + e.getCertificate().getRadius() + "; its own pixels give " + x.predicted()
                                        + ", " + x.radius());
                    }
                }
            }
            if (accountedExplanations != explained.size() || accountedDead != dead.size()) {
                tally.failures.add((explained.size() - accountedExplanations) + " explanation(s) and "
                        + (dead.size() - accountedDead) + " dead letter(s) belong to no record sent");
            }
            assertThat(app.state()).as("the application runs at the end").isEqualTo(KafkaStreams.State.RUNNING);
        } finally {
            tally.print();
        }
        assertOutcome(tally, 1_506);
    }

    /** One record's outcomes: exactly one, of the right sort, and a dead letter that names the record. */
    private static void account(
            Tally tally,
            Hostile h,
            String topic,
            int partition,
            long offset,
            List<Explanation> explained,
            List<DeadLetter> dead) {
        tally.sent++;
        tally.mutations.merge(h.mutation(), 1, Integer::sum);
        tally.explained += explained.size();
        dead.forEach(d -> tally.deadLettered.merge(d.getRejectionKind(), 1, Integer::sum));
        int outcomes = explained.size() + dead.size();
        if (outcomes == 0) {
            tally.lost++;
            tally.fail(h, "no outcome");
            return;
        }
        if (outcomes > 1) {
            tally.duplicated += outcomes - 1;
            tally.fail(h, outcomes + " outcomes");
            return;
        }
        if (h.explain() && explained.isEmpty()) {
            tally.fail(
                    h,
                    "a good image dead-lettered: " + dead.get(0).getRejectionKind() + " "
                            + dead.get(0).getMessage());
        } else if (h.mustBeRejected() && dead.isEmpty()) {
            tally.fail(h, "explained, expected the dead letter " + h.expected());
        } else if (h.mustBeRejected()
                && !dead.get(0).getRejectionKind().equals(h.expected().name())) {
            tally.fail(
                    h,
                    "dead letter " + dead.get(0).getRejectionKind() + " ("
                            + dead.get(0).getMessage() + "), expected " + h.expected());
        } else if (!explained.isEmpty() && !explained.get(0).getImageId().equals(h.decodedId())) {
            tally.fail(h, "explained as " + explained.get(0).getImageId() + ", expected " + h.decodedId());
        } else if (!dead.isEmpty()) {
            DeadLetter d = dead.get(0);
            boolean sameKey = h.key() == null
                    ? Buffers.bytes(d.getKey()) == null
                    : java.util.Arrays.equals(h.key(), Buffers.bytes(d.getKey()));
            if (!sameKey
                    || d.getOffset() != offset
                    || d.getPartition() != partition
                    || !d.getSourceTopic().equals(topic)
                    || d.getMessage().isBlank()) {
                tally.fail(
                        h,
                        "dead letter names " + d.getSourceTopic() + "-" + d.getPartition() + "@" + d.getOffset()
                                + " key "
                                + (Buffers.bytes(d.getKey()) == null
                                        ? null
                                        : new String(Buffers.bytes(d.getKey()), StandardCharsets.UTF_8)));
            }
        }
    }

    private static void checkOwnExplanation(Tally tally, Hostile h, Explanation e, ImageExplanation own) {
        for (int k = 0; k < own.scores().length; k++) {
            if (e.getScores().get(k) != own.scores()[k]) {
                tally.fail(
                        h, "score " + k + " is " + e.getScores().get(k) + ", its own pixels give " + own.scores()[k]);
                return;
            }
        }
        assertThat(e.getCertificate().getRadius()).as("record %d", h.index()).isCloseTo(own.radius(), within(1e-12));
    }

    private static void assertOutcome(Tally tally, int sent) {
        assertThat(tally.failures).as(tally.run).isEmpty();
        assertThat(tally.sent).isEqualTo(sent);
        assertThat(tally.lost).isZero();
        assertThat(tally.duplicated).isZero();
        int dead =
                tally.deadLettered.values().stream().mapToInt(Integer::intValue).sum();
        assertThat(tally.explained + dead).isEqualTo(sent);
        // the mix reached every kind of the decoder and of the wire format
        assertThat(tally.deadLettered)
                .containsKeys(
                        "UNDESERIALISABLE",
                        "UNKNOWN_SCHEMA",
                        "EMPTY_VALUE",
                        "MISSING_KEY",
                        "WRONG_SHAPE",
                        "WRONG_CHANNELS",
                        "NON_FINITE",
                        "UNDECODABLE",
                        "OVERSIZE",
                        "OUT_OF_RANGE");
    }
}
