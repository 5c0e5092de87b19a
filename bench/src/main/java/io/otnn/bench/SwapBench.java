package io.otnn.bench;

import io.otnn.avro.Explanation;
import io.otnn.avro.ModelCheckpoint;
import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.testing.CheckpointFixtures;
import io.otnn.explain.testing.FixtureModel;
import io.otnn.explain.testing.Fixtures;
import io.otnn.local.LocalStack;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.TopicCreator;
import io.otnn.streams.Topics;
import io.otnn.streams.format.AvroRecordFormat;
import io.otnn.streams.records.ImageInput;
import io.otnn.trainer.announce.CheckpointAnnouncer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The live swap under a steady stream, in one run on the local stack (Avro through the registry, exactly-once v2,
 * one stream thread, 6 image partitions): images at a steady rate, the explainer serving version 1 and following its
 * name; after {@code before} seconds version 2 (same shape, other weights) is announced with the trainer's own
 * {@link CheckpointAnnouncer}. Prints the swap time (announcement → first explanation by version 2), the throughput
 * in the seconds before the announcement and during the swap (announcement → first v2 explanation, at least 2 s),
 * their ratio, and the longest gap between two consecutive explanations around the swap.
 *
 * <p>Usage: {@code SwapBench [rate] [beforeSeconds] [afterSeconds] [v1|-] [v2|-]}; {@code -} (the default): explain-core's
 * dense 784-256-256-10 fixture as version 1 and the same architecture with other random 1-Lipschitz weights as
 * version 2 (both named {@code fixture-dense}).
 */
public final class SwapBench {

    private record Seen(long explainedAt, int version) {}

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        int before = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int after = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Path work = Files.createTempDirectory("otnn-swap-bench-");
        Path v1 = args.length > 3 && !args[3].equals("-") ? Path.of(args[3]) : Fixtures.denseMnist();
        Path v2 = args.length > 4 && !args[4].equals("-") ? Path.of(args[4]) : secondVersion(v1, work);
        ModelMetadata m2 = ModelMetadata.read(v2.resolve(ModelMetadata.FILE_NAME));

        try (LocalStack stack = LocalStack.start();
                SchemaRegistryClient registry =
                        RestSchemaRegistryClient.fromConfig(Map.of("schema.registry.url", stack.schemaRegistryUrl()))) {
            AvroRecordFormat format = new AvroRecordFormat(registry);
            Map<String, Object> props = new HashMap<>();
            props.put(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
            props.put(ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
            props.put(ExplainerConfig.APPLICATION_ID_CONFIG, "swap-bench");
            props.put(ExplainerConfig.MODEL_CONFIG, v1.toString());
            props.put(ExplainerConfig.TOPIC_IMAGES_PARTITIONS_CONFIG, "6");
            props.put(
                    ExplainerConfig.MODEL_CACHE_DIR_CONFIG,
                    work.resolve("cache").toString());
            props.put(StreamsConfig.STATE_DIR_CONFIG, work.resolve("state").toString());
            ExplainerConfig config = new ExplainerConfig(props);
            Topics topics = Topics.of(config, format);
            TopicCreator.createMissing(config.clientProperties(), TopicCreator.plan(config, topics));

            try (StreamExplainerApp app =
                    StreamExplainerApp.builder().setProperties(props).build().start()) {
                if (!app.awaitRunning(Duration.ofSeconds(120))) {
                    throw new IllegalStateException("explainer not running");
                }
                List<Seen> seen = java.util.Collections.synchronizedList(new ArrayList<>());
                Set<String> ids = java.util.Collections.synchronizedSet(new HashSet<>());
                AtomicInteger duplicates = new AtomicInteger();
                AtomicBoolean stop = new AtomicBoolean();
                Thread reader = new Thread(() -> read(stack, topics, seen, ids, duplicates, stop), "swap-bench-reader");
                reader.start();

                int total = rate * (before + after);
                long start = System.nanoTime();
                long announcedAt = 0;
                long announcedNanos = start + TimeUnit.SECONDS.toNanos(before);
                Random random = new Random(1);
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        Map.of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                stack.bootstrapServers(),
                                ProducerConfig.LINGER_MS_CONFIG,
                                5,
                                ProducerConfig.ACKS_CONFIG,
                                "all"),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
                    for (int i = 0; i < total; i++) {
                        long due = start + TimeUnit.SECONDS.toNanos(i) / rate;
                        if (announcedAt == 0 && due >= announcedNanos) {
                            CheckpointAnnouncer announcer = new CheckpointAnnouncer(
                                    stack.bootstrapServers(),
                                    stack.schemaRegistryUrl(),
                                    topics.models().name());
                            ModelCheckpoint event = CheckpointAnnouncer.event(
                                    v2, m2, CheckpointManifest.read(v2).digest());
                            announcedAt = System.currentTimeMillis();
                            announcer.announce(event);
                        }
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait); // the sending rate
                        }
                        byte[] pixels = new byte[784];
                        random.nextBytes(pixels);
                        String id = String.format(Locale.ROOT, "swap-%07d", i);
                        ImageInput image =
                                new ImageInput(id, "RAW_U8", 28, 28, 1, pixels, null, System.currentTimeMillis());
                        producer.send(new ProducerRecord<>(
                                topics.images().name(),
                                id.getBytes(StandardCharsets.UTF_8),
                                format.writeImage(topics.images().name(), image)));
                    }
                }
                long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (ids.size() < total && System.nanoTime() < drainUntil) {
                    Thread.sleep(100);
                }
                stop.set(true);
                reader.join();
                report(rate, before, after, total, announcedAt, seen, ids.size(), duplicates.get());
            }
        }
    }

    private static Path secondVersion(Path v1, Path work) throws Exception {
        ModelMetadata m = ModelMetadata.read(v1.resolve(ModelMetadata.FILE_NAME));
        FixtureModel model = FixtureModel.random(
                102, FixtureModel.Activation.GROUP_SORT_2, m.input().size(), 256, 256, 10);
        ModelMetadata base = CheckpointFixtures.metadata(m.name(), model, m.input(), 1.0);
        ModelMetadata second = new ModelMetadata(
                base.formatVersion(),
                m.name(),
                m.version() + 1,
                base.createdAt().plusSeconds(60),
                base.task(),
                base.classNames(),
                base.input(),
                base.lipschitzConstant(),
                base.certificateFactor(),
                base.architecture(),
                base.loss(),
                base.training(),
                base.evaluation(),
                base.reference());
        return CheckpointFixtures.export(work.resolve("v2"), model, second);
    }

    private static void read(
            LocalStack stack,
            Topics topics,
            List<Seen> seen,
            Set<String> ids,
            AtomicInteger duplicates,
            AtomicBoolean stop) {
        try (KafkaConsumer<String, Explanation> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG, "swap-bench-reader",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(),
                topics.explanations().valueSerde().deserializer())) {
            consumer.subscribe(List.of(topics.explanations().name()));
            while (!stop.get()) {
                for (ConsumerRecord<String, Explanation> r : consumer.poll(Duration.ofMillis(100))) {
                    if (!ids.add(r.key())) {
                        duplicates.incrementAndGet();
                    }
                    seen.add(new Seen(
                            r.value().getExplainedAt().toEpochMilli(), r.value().getModelVersion()));
                }
            }
        }
    }

    private static void report(
            int rate, int before, int after, int total, long announcedAt, List<Seen> seen, int explained, int dups) {
        List<Seen> byTime = new ArrayList<>(seen);
        byTime.sort(java.util.Comparator.comparingLong(Seen::explainedAt));
        int firstVersion = byTime.get(0).version();
        long firstNew = byTime.stream()
                .filter(s -> s.version() != firstVersion)
                .mapToLong(Seen::explainedAt)
                .min()
                .orElse(-1);
        long window = Math.min(10_000, (before - 5) * 1_000L);
        long beforeCount = byTime.stream()
                .filter(s -> s.explainedAt() >= announcedAt - window && s.explainedAt() < announcedAt)
                .count();
        long swapEnd = Math.max(firstNew, announcedAt + 2_000);
        long duringCount = byTime.stream()
                .filter(s -> s.explainedAt() >= announcedAt && s.explainedAt() < swapEnd)
                .count();
        double beforeRate = beforeCount * 1000.0 / window;
        double duringRate = duringCount * 1000.0 / (swapEnd - announcedAt);
        long longest = 0;
        long longestAround = 0;
        for (int i = 1; i < byTime.size(); i++) {
            long gap = byTime.get(i).explainedAt() - byTime.get(i - 1).explainedAt();
            longest = Math.max(longest, gap);
            if (byTime.get(i).explainedAt() >= announcedAt - 1_000
                    && byTime.get(i - 1).explainedAt() <= swapEnd) {
                longestAround = Math.max(longestAround, gap);
            }
        }
        long newVersion =
                byTime.stream().filter(s -> s.version() != firstVersion).count();
        System.out.printf(
                Locale.ROOT,
                "SwapBench: %d images at %d/s (%d s before the announcement, %d s after): explained %d (by v%d %d, by the"
                        + " new version %d), duplicated %d, missing %d%n",
                total,
                rate,
                before,
                after,
                explained,
                firstVersion,
                byTime.size() - newVersion,
                newVersion,
                dups,
                total - explained);
        System.out.printf(
                Locale.ROOT,
                "  swap time (announcement -> first explanation by the new version): %d ms%n",
                firstNew < 0 ? -1 : firstNew - announcedAt);
        System.out.printf(
                Locale.ROOT,
                "  throughput: %.0f explanations/s in the %d s before the announcement, %.0f/s during the swap (%d ms"
                        + " from the announcement): ratio during/before %.2f%n",
                beforeRate,
                window / 1000,
                duringRate,
                swapEnd - announcedAt,
                duringRate / beforeRate);
        System.out.printf(
                Locale.ROOT,
                "  longest gap between two consecutive explanations: %d ms around the swap (1 s before the"
                        + " announcement to the end of the swap window), %d ms over the run%n",
                longestAround,
                longest);
    }
}
