package io.otnn.bench;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.streams.Topics;
import io.otnn.streams.format.AvroRecordFormat;
import io.otnn.streams.records.ImageInput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A hostile producer and a {@code read_committed} consumer, run from outside the explainer's JVM against a live
 * {@code otnn explain}: on every partition of the images topic, each kind of hostile record is sent between good
 * 28×28 RAW_U8 images; then both output topics are read until every record has an outcome or nothing new has
 * arrived for a while. It prints what was sent, explained and dead-lettered by kind, the good images lost, the
 * records with more than one outcome, and the explanations that are not their image's own (each good image
 * carries a label and an event time unique to it, which its explanation must repeat). Exit code 1 if anything
 * was lost, duplicated or not its own.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.otnn.bench.HostileMix BOOTSTRAP REGISTRY_URL [GOOD_PER_HOSTILE] [QUIET_S]
 * </pre>
 *
 * <p>Topics: {@code -Dhostile.topic.images}, {@code .explanations}, {@code .dlq} (the product's defaults);
 * {@code -Dhostile.skip=far-future,pre-epoch} leaves kinds out. The
 * explainer's model must take 28×28×1 images (the demo's and {@code otnn train --data fashion-mnist}'s do).
 */
public final class HostileMix {

    private static final int SIDE = 28;
    private static final int BOMB_SIDE = 30_000;
    private static final long YEAR_2200 = Instant.parse("2200-01-01T00:00:00Z").toEpochMilli();
    private static final long YEAR_2000 = Instant.parse("2000-01-01T00:00:00Z").toEpochMilli();
    private static final long YEAR_1900 = Instant.parse("1900-01-01T00:00:00Z").toEpochMilli();
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private HostileMix() {}

    /** One record sent: its kind, Kafka key, payload image id (when it has one), where it landed. */
    private record Sent(
            String kind,
            String key,
            String imageId,
            Integer label,
            long eventTime,
            boolean good,
            int partition,
            long offset) {}

    /** One record to send. */
    private record Outgoing(
            String kind, String key, String imageId, Integer label, long eventTime, boolean good, byte[] value) {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: HostileMix BOOTSTRAP_SERVERS SCHEMA_REGISTRY_URL [GOOD_PER_HOSTILE] [QUIET_S]");
            System.exit(2);
        }
        String bootstrap = args[0];
        String registryUrl = args[1];
        int goodPerHostile;
        Duration quiet;
        try {
            goodPerHostile = args.length > 2 ? Integer.parseInt(args[2]) : 2;
            quiet = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 30);
        } catch (NumberFormatException e) {
            System.err.println("HostileMix: GOOD_PER_HOSTILE and QUIET_S are whole numbers (" + e.getMessage() + ")");
            System.exit(2);
            return;
        }
        String imagesTopic = System.getProperty("hostile.topic.images", Topics.DEFAULT_IMAGES);
        String explanationsTopic = System.getProperty("hostile.topic.explanations", Topics.DEFAULT_EXPLANATIONS);
        String dlqTopic = System.getProperty("hostile.topic.dlq", Topics.DEFAULT_DEAD_LETTERS);
        try {
            System.exit(run(bootstrap, registryUrl, imagesTopic, explanationsTopic, dlqTopic, goodPerHostile, quiet));
        } catch (Exception e) {
            System.err.println("HostileMix failed: " + e);
            System.exit(1);
        }
    }

    static int run(
            String bootstrap,
            String registryUrl,
            String imagesTopic,
            String explanationsTopic,
            String dlqTopic,
            int goodPerHostile,
            Duration quiet)
            throws Exception {
        String run = "hm-" + UUID.randomUUID().toString().substring(0, 8);
        try (SchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(registryUrl)) {
            AvroRecordFormat format = new AvroRecordFormat(registry);
            // the schema id of another record type: what a producer writing to the wrong topic sends
            int otherRecordsId = registry.register("otnn.hostile-mix-other-value", DeadLetter.getClassSchema());
            byte[] bomb = decompressionBomb();
            System.out.printf(
                    Locale.ROOT,
                    "run %s: decompression bomb %d×%d PNG of zeros, %,d bytes; schema id of "
                            + "another record type %d%n",
                    run,
                    BOMB_SIDE,
                    BOMB_SIDE,
                    bomb.length,
                    otherRecordsId);

            List<Sent> sent = send(bootstrap, imagesTopic, format, run, goodPerHostile, bomb, otherRecordsId);
            printSent(sent);
            return readAndReport(bootstrap, format, imagesTopic, explanationsTopic, dlqTopic, run, sent, quiet);
        }
    }

    // ---- sending ----

    private static List<Sent> send(
            String bootstrap,
            String topic,
            AvroRecordFormat format,
            String run,
            int goodPerHostile,
            byte[] bomb,
            int otherRecordsId)
            throws Exception {
        List<Sent> sent = new ArrayList<>();
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.LINGER_MS_CONFIG,
                5,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                1_100_000);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<PartitionInfo> partitions = producer.partitionsFor(topic);
            Random random = new Random(run.hashCode());
            long base = System.currentTimeMillis();
            int[] sequence = {0};
            Function<Integer, Outgoing> good = partition -> {
                int n = sequence[0]++;
                String id = run + "-good-" + n;
                byte[] pixels = new byte[SIDE * SIDE];
                random.nextBytes(pixels);
                long eventTime = base + n; // unique per image: its explanation must carry it back
                ImageInput image = new ImageInput(id, "RAW_U8", SIDE, SIDE, 1, pixels, n % 10, eventTime);
                return new Outgoing("good", id, id, n % 10, eventTime, true, format.writeImage(topic, image));
            };
            List<Future<RecordMetadata>> futures = new ArrayList<>();
            List<Outgoing> order = new ArrayList<>();
            List<Integer> partitionOf = new ArrayList<>();
            for (PartitionInfo info : partitions) {
                int p = info.partition();
                for (Function<String, Outgoing> hostile :
                        hostileKinds(format, topic, random, base, bomb, otherRecordsId)) {
                    for (int g = 0; g < goodPerHostile; g++) {
                        order.add(good.apply(p));
                        partitionOf.add(p);
                    }
                    order.add(hostile.apply(run + "-p" + p));
                    partitionOf.add(p);
                }
                for (int g = 0; g < goodPerHostile; g++) {
                    order.add(good.apply(p));
                    partitionOf.add(p);
                }
            }
            long now = System.currentTimeMillis();
            for (int i = 0; i < order.size(); i++) {
                Outgoing o = order.get(i);
                futures.add(producer.send(new ProducerRecord<>(
                        topic,
                        partitionOf.get(i),
                        now,
                        o.key() == null ? null : o.key().getBytes(StandardCharsets.UTF_8),
                        o.value())));
            }
            producer.flush();
            for (int i = 0; i < order.size(); i++) {
                Outgoing o = order.get(i);
                RecordMetadata m = futures.get(i).get(60, TimeUnit.SECONDS);
                sent.add(new Sent(
                        o.kind(), o.key(), o.imageId(), o.label(), o.eventTime(), o.good(), m.partition(), m.offset()));
            }
        }
        return sent;
    }

    /** The hostile kinds, each a function of an id prefix to the record. */
    private static List<Function<String, Outgoing>> hostileKinds(
            AvroRecordFormat format, String topic, Random random, long base, byte[] bomb, int otherRecordsId) {
        List<Function<String, Outgoing>> kinds = new ArrayList<>();
        kinds.add(p -> image(format, topic, "far-future", p, "RAW_U8", SIDE, SIDE, 1, u8(random), 1, YEAR_2200));
        kinds.add(p -> image(format, topic, "far-past", p, "RAW_U8", SIDE, SIDE, 1, u8(random), 2, YEAR_2000));
        kinds.add(p -> image(format, topic, "pre-epoch", p, "RAW_U8", SIDE, SIDE, 1, u8(random), 3, YEAR_1900));
        kinds.add(p -> image(format, topic, "png-bomb", p, "PNG", SIDE, SIDE, 1, bomb, null, base));
        kinds.add(p -> image(format, topic, "f32-1e30", p, "RAW_F32", SIDE, SIDE, 1, f32(1e30f), null, base));
        kinds.add(p -> image(format, topic, "f32-nan", p, "RAW_F32", SIDE, SIDE, 1, f32(Float.NaN), null, base));
        kinds.add(p -> image(
                format, topic, "wrong-shape", p, "RAW_U8", SIDE + 1, SIDE, 1, new byte[(SIDE + 1) * SIDE], null, base));
        kinds.add(p -> image(format, topic, "short-data", p, "RAW_U8", SIDE, SIDE, 1, new byte[100], null, base));
        kinds.add(p -> image(
                format, topic, "wrong-channels", p, "RAW_U8", SIDE, SIDE, 3, new byte[SIDE * SIDE * 3], null, base));
        kinds.add(p -> image(format, topic, "label-out-of-range", p, "RAW_U8", SIDE, SIDE, 1, u8(random), 1000, base));
        kinds.add(p -> image(format, topic, "label-negative", p, "RAW_U8", SIDE, SIDE, 1, u8(random), -1, base));
        kinds.add(p -> {
            Outgoing valid = image(format, topic, "truncated-avro", p, "RAW_U8", SIDE, SIDE, 1, u8(random), null, base);
            return with(valid, Arrays.copyOf(valid.value(), valid.value().length / 2));
        });
        kinds.add(p -> {
            Outgoing valid =
                    image(format, topic, "bit-flipped-avro", p, "RAW_U8", SIDE, SIDE, 1, u8(random), null, base);
            byte[] flipped = valid.value().clone();
            // after the magic byte, the schema id and the image id (so that any explanation is still findable)
            int start = 5 + 1 + valid.imageId().getBytes(StandardCharsets.UTF_8).length;
            for (int i = 0; i < 3; i++) {
                int at = start + random.nextInt(30);
                flipped[at] ^= (byte) (1 << random.nextInt(8));
            }
            return with(valid, flipped);
        });
        kinds.add(p -> {
            Outgoing valid =
                    image(format, topic, "other-records-schema-id", p, "RAW_U8", SIDE, SIDE, 1, u8(random), null, base);
            return with(valid, withSchemaId(valid.value(), otherRecordsId));
        });
        kinds.add(p -> {
            Outgoing valid =
                    image(format, topic, "unknown-schema-id", p, "RAW_U8", SIDE, SIDE, 1, u8(random), null, base);
            return with(valid, withSchemaId(valid.value(), 0x7ffffff0));
        });
        kinds.add(p -> new Outgoing("tombstone", p + "-tombstone", null, null, 0, false, null));
        kinds.add(p -> new Outgoing("empty-value", p + "-empty-value", null, null, 0, false, new byte[0]));
        kinds.add(p -> {
            Outgoing valid = image(format, topic, "missing-key", p, "RAW_U8", SIDE, SIDE, 1, u8(random), null, base);
            return new Outgoing(valid.kind(), null, valid.imageId(), null, base, false, valid.value());
        });
        kinds.add(p -> image(format, topic, "oversize", p, "RAW_U8", SIDE, SIDE, 1, u8(random, 1_040_000), null, base));
        kinds.add(p -> new Outgoing(
                "not-avro",
                p + "-not-avro",
                null,
                null,
                0,
                false,
                "{\"imageId\":\"json instead of Avro\"}".getBytes(StandardCharsets.UTF_8)));
        List<String> skip = List.of(System.getProperty("hostile.skip", "").split(","));
        return kinds.stream()
                .filter(k -> !skip.contains(k.apply("probe").kind()))
                .toList();
    }

    private static Outgoing image(
            AvroRecordFormat format,
            String topic,
            String kind,
            String prefix,
            String encoding,
            int width,
            int height,
            int channels,
            byte[] data,
            Integer label,
            long eventTime) {
        String id = prefix + "-" + kind;
        ImageInput image = new ImageInput(id, encoding, width, height, channels, data, label, eventTime);
        return new Outgoing(kind, id, id, label, eventTime, false, format.writeImage(topic, image));
    }

    private static Outgoing with(Outgoing o, byte[] value) {
        return new Outgoing(o.kind(), o.key(), o.imageId(), o.label(), o.eventTime(), o.good(), value);
    }

    private static byte[] withSchemaId(byte[] value, int id) {
        byte[] copy = value.clone();
        ByteBuffer.wrap(copy, 1, 4).putInt(id);
        return copy;
    }

    private static byte[] u8(Random random) {
        return u8(random, SIDE * SIDE);
    }

    private static byte[] u8(Random random, int size) {
        byte[] data = new byte[size];
        random.nextBytes(data);
        return data;
    }

    private static byte[] f32(float value) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * SIDE * SIDE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < SIDE * SIDE; i++) {
            buffer.putFloat(value);
        }
        return buffer.array();
    }

    /** A valid 8-bit grey PNG of BOMB_SIDE × BOMB_SIDE zeros: 900 MB of pixels in under 1 MB. */
    static byte[] decompressionBomb() {
        try {
            ByteArrayOutputStream idat = new ByteArrayOutputStream(1 << 20);
            Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
            try (DeflaterOutputStream zlib = new DeflaterOutputStream(idat, deflater, 1 << 16)) {
                byte[] row = new byte[BOMB_SIDE + 1]; // filter byte 0 and the row's zeros
                for (int y = 0; y < BOMB_SIDE; y++) {
                    zlib.write(row);
                }
            }
            deflater.end();
            ByteArrayOutputStream png = new ByteArrayOutputStream(idat.size() + 64);
            png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
            ByteBuffer header = ByteBuffer.allocate(13)
                    .putInt(BOMB_SIDE)
                    .putInt(BOMB_SIDE)
                    .put((byte) 8)
                    .put((byte) 0)
                    .put((byte) 0)
                    .put((byte) 0)
                    .put((byte) 0);
            chunk(png, "IHDR", header.array());
            chunk(png, "IDAT", idat.toByteArray());
            chunk(png, "IEND", new byte[0]);
            return png.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        out.write(typeBytes);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static void printSent(List<Sent> sent) {
        Map<String, Integer> byKind = new TreeMap<>();
        sent.stream().filter(s -> !s.good()).forEach(s -> byKind.merge(s.kind(), 1, Integer::sum));
        long good = sent.stream().filter(Sent::good).count();
        long partitions = sent.stream().mapToInt(Sent::partition).distinct().count();
        System.out.printf(
                Locale.ROOT,
                "sent %d records on %d partitions: good %d, hostile %d %s%n",
                sent.size(),
                partitions,
                good,
                sent.size() - good,
                byKind);
    }

    // ---- reading ----

    private static int readAndReport(
            String bootstrap,
            AvroRecordFormat format,
            String imagesTopic,
            String explanationsTopic,
            String dlqTopic,
            String run,
            List<Sent> sent,
            Duration quiet) {
        Deserializer<Explanation> explanations = format.explanationSerde().deserializer();
        Deserializer<DeadLetter> deadLetters = format.deadLetterSerde().deserializer();
        Map<String, Sent> byImageId = new HashMap<>();
        Map<String, Sent> byOffset = new HashMap<>();
        for (Sent s : sent) {
            if (s.imageId() != null) {
                byImageId.put(s.imageId(), s);
            }
            byOffset.put(s.partition() + "@" + s.offset(), s);
        }
        Map<Sent, List<Explanation>> explained = new LinkedHashMap<>();
        Map<Sent, List<DeadLetter>> dead = new LinkedHashMap<>();
        List<String> strangers = new ArrayList<>();
        int unreadable = 0;
        long start = System.nanoTime();
        long lastNews = start;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                        2 << 20),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> assigned = new ArrayList<>();
            for (String topic : List.of(explanationsTopic, dlqTopic)) {
                consumer.partitionsFor(topic, Duration.ofSeconds(30))
                        .forEach(p -> assigned.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            while (System.nanoTime() - start < TIMEOUT.toNanos()) {
                boolean news = false;
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        if (r.topic().equals(explanationsTopic)) {
                            Explanation e = explanations.deserialize(r.topic(), r.value());
                            if (e == null || !e.getImageId().startsWith(run)) {
                                continue;
                            }
                            Sent s = byImageId.get(e.getImageId());
                            if (s == null) {
                                strangers.add("explanation of " + e.getImageId());
                            } else {
                                explained
                                        .computeIfAbsent(s, k -> new ArrayList<>())
                                        .add(e);
                            }
                            news = true;
                        } else {
                            DeadLetter d = deadLetters.deserialize(r.topic(), r.value());
                            if (d == null || !imagesTopic.equals(d.getSourceTopic())) {
                                continue;
                            }
                            Sent s = byOffset.get(d.getPartition() + "@" + d.getOffset());
                            if (s != null) {
                                dead.computeIfAbsent(s, k -> new ArrayList<>()).add(d);
                                news = true;
                            }
                        }
                    } catch (RuntimeException e) {
                        unreadable++;
                    }
                }
                if (news) {
                    lastNews = System.nanoTime();
                }
                boolean complete = sent.stream().allMatch(s -> explained.containsKey(s) || dead.containsKey(s));
                long sinceNews = System.nanoTime() - lastNews;
                if (complete && sinceNews > TimeUnit.SECONDS.toNanos(5) || sinceNews > quiet.toNanos()) {
                    break;
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return report(sent, explained, dead, strangers, unreadable, seconds, quiet);
    }

    private static int report(
            List<Sent> sent,
            Map<Sent, List<Explanation>> explained,
            Map<Sent, List<DeadLetter>> dead,
            List<String> strangers,
            int unreadable,
            double seconds,
            Duration quiet) {
        Map<String, int[]> byKind = new TreeMap<>(); // explained, dead-lettered, none, more than one
        Map<String, Integer> deadKinds = new TreeMap<>();
        List<String> lostGood = new ArrayList<>();
        List<String> lostHostile = new ArrayList<>();
        List<String> duplicated = new ArrayList<>();
        List<String> notOwn = new ArrayList<>();
        List<String> goodDeadLettered = new ArrayList<>();
        int goodExplained = 0;
        for (Sent s : sent) {
            List<Explanation> e = explained.getOrDefault(s, List.of());
            List<DeadLetter> d = dead.getOrDefault(s, List.of());
            int[] counts = byKind.computeIfAbsent(s.kind(), k -> new int[4]);
            counts[0] += e.isEmpty() ? 0 : 1;
            counts[1] += d.isEmpty() ? 0 : 1;
            d.forEach(x -> deadKinds.merge(x.getRejectionKind(), 1, Integer::sum));
            String name = s.imageId() != null ? s.imageId() : s.kind() + "@" + s.partition() + ":" + s.offset();
            if (e.isEmpty() && d.isEmpty()) {
                counts[2]++;
                (s.good() ? lostGood : lostHostile).add(name);
            }
            if (e.size() + d.size() > 1) {
                counts[3]++;
                duplicated.add(name + " ×" + (e.size() + d.size()));
            }
            if (s.good()) {
                goodExplained += e.isEmpty() ? 0 : 1;
                if (!d.isEmpty()) {
                    goodDeadLettered.add(name + " " + d.get(0).getRejectionKind() + ": "
                            + d.get(0).getMessage());
                }
                for (Explanation x : e) {
                    long eventTime = x.getEventTime().toEpochMilli();
                    if (!java.util.Objects.equals(x.getLabel(), s.label()) || eventTime != s.eventTime()) {
                        notOwn.add(name + " carries label " + x.getLabel() + " and event time " + eventTime
                                + ", its own are " + s.label() + " and " + s.eventTime());
                    }
                }
            }
        }
        long good = sent.stream().filter(Sent::good).count();
        System.out.printf(
                Locale.ROOT,
                "read for %.1f s (read_committed; stops %d s after the last new outcome)%n",
                seconds,
                quiet.toSeconds());
        System.out.printf(
                Locale.ROOT,
                "good: sent %d, explained %d, dead-lettered %d, lost %d%n",
                good,
                goodExplained,
                goodDeadLettered.size(),
                lostGood.size());
        System.out.println("hostile, by kind: explained / dead-lettered / no outcome / more than one");
        byKind.forEach((kind, c) -> {
            if (!kind.equals("good")) {
                System.out.printf(Locale.ROOT, "  %-24s %3d / %3d / %3d / %3d%n", kind, c[0], c[1], c[2], c[3]);
            }
        });
        System.out.println("dead letters by kind: " + deadKinds);
        System.out.printf(Locale.ROOT, "lost good images: %d %s%n", lostGood.size(), first(lostGood));
        System.out.printf(
                Locale.ROOT, "hostile records without an outcome: %d %s%n", lostHostile.size(), first(lostHostile));
        System.out.printf(
                Locale.ROOT, "records with more than one outcome: %d %s%n", duplicated.size(), first(duplicated));
        System.out.printf(
                Locale.ROOT, "good images whose explanation is not their own: %d %s%n", notOwn.size(), first(notOwn));
        System.out.printf(
                Locale.ROOT, "good images dead-lettered: %d %s%n", goodDeadLettered.size(), first(goodDeadLettered));
        if (!strangers.isEmpty() || unreadable > 0) {
            System.out.printf(
                    Locale.ROOT,
                    "outcomes of records never sent: %d %s; unreadable output records: %d%n",
                    strangers.size(),
                    first(strangers),
                    unreadable);
        }
        boolean failed = !lostGood.isEmpty()
                || !lostHostile.isEmpty()
                || !duplicated.isEmpty()
                || !notOwn.isEmpty()
                || !goodDeadLettered.isEmpty()
                || !strangers.isEmpty();
        System.out.println(
                failed
                        ? "RESULT: FAILED (lost, duplicated or not its own)"
                        : "RESULT: every record has " + "exactly one outcome, its own");
        return failed ? 1 : 0;
    }

    private static String first(List<String> items) {
        return items.isEmpty() ? "" : items.subList(0, Math.min(5, items.size())) + (items.size() > 5 ? " ..." : "");
    }
}
