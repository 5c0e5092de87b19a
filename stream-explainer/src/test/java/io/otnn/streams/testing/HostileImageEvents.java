package io.otnn.streams.testing;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.ErrorKind;
import io.otnn.explain.input.RejectionKind;
import io.otnn.explain.testing.PngFiles;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.serde.AvroSerde;
import io.otnn.schemas.serde.AvroSerdes;
import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.format.AvroRecordFormat;
import io.otnn.streams.records.ImageInput;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import javax.imageio.ImageIO;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A seeded stream of hostile {@code ImageEvent} records for a 28×28×1 model in [0, 1]: good images (RAW_U8, RAW_F32,
 * PNG) interleaved with mutations of valid records' bytes (bit flips, truncations, bad length prefixes, the schema ids
 * of other records in the registry, other records, other encodings, wrong types, values out of range, bombs). Each
 * record says what must become of it: explained with its own pixels, a dead letter of a given kind, or either (a
 * random mutation may leave a decodable record).
 */
public final class HostileImageEvents {

    public static final int SIDE = 28;
    private static final int SIZE = SIDE * SIDE;

    public enum Mutation {
        GOOD_U8,
        GOOD_F32,
        GOOD_PNG,
        LABEL_OUT_OF_RANGE,
        BIT_FLIP,
        TRUNCATION,
        LENGTH_PREFIX,
        TRAILING_BYTES,
        GARBAGE,
        BAD_ENUM_INDEX,
        OTHER_SCHEMA_ID,
        UNKNOWN_SCHEMA_ID,
        OTHER_RECORD,
        OTHER_ENCODING,
        WRONG_SHAPE,
        WRONG_CHANNELS,
        OUT_OF_RANGE,
        NON_FINITE,
        HEADER_BOMB,
        PNG_BOMB,
        OVERSIZE,
        EMPTY,
        TOMBSTONE,
        NULL_KEY
    }

    /**
     * One record to send.
     *
     * @param key       the Kafka key (null for {@code NULL_KEY})
     * @param value     the Kafka value (null for a tombstone)
     * @param expected  the dead-letter kind it must get, or null
     * @param explain   true when it must be explained (then {@code pixels} is the model input it must be explained on)
     * @param decodedId the image id the value decodes to when it may be explained, else null
     */
    public record Hostile(
            int index,
            Mutation mutation,
            byte[] key,
            byte[] value,
            RejectionKind expected,
            boolean explain,
            float[] pixels,
            String decodedId) {

        public boolean mustBeRejected() {
            return expected != null;
        }
    }

    private final Random random;
    private final AvroRecordFormat format;
    private final String topic;
    private final long now;
    private final long maxFutureSkewMs;
    private final int imageMaxBytes;
    private final List<byte[]> otherSchemaIds = new ArrayList<>();
    private final List<byte[]> otherRecords = new ArrayList<>();
    private final byte[] pngBomb;
    private final Set<String> decodedIds = new HashSet<>();
    private int next;

    /**
     * @param maxFutureSkewMs a random mutation whose record still decodes is drawn again when its event time lies
     *                        further than this in the future of {@code now} (Long.MAX_VALUE: never): a broker refuses
     *                        such timestamps, and the event-time policy is tested on its own
     * @param imageMaxBytes   the explainer's {@code image.max.bytes}; an {@code OVERSIZE} record is just above it
     */
    public HostileImageEvents(
            long seed,
            AvroRecordFormat format,
            SchemaRegistryClient registry,
            String topic,
            long now,
            long maxFutureSkewMs,
            int imageMaxBytes) {
        this.random = new Random(seed);
        this.format = format;
        this.topic = topic;
        this.now = now;
        this.maxFutureSkewMs = maxFutureSkewMs;
        this.imageMaxBytes = imageMaxBytes;
        // two other records in the registry: the dead-letter contract, and a record of an unrelated schema
        try (AvroSerde<DeadLetter> deadLetters = AvroSerdes.specific(DeadLetter.class, registry, false);
                AvroSerde<GenericRecord> generic = AvroSerdes.generic(registry, false)) {
            DeadLetter deadLetter = DeadLetter.newBuilder()
                    .setKey(ByteBuffer.wrap(new byte[] {1}))
                    .setValue(null)
                    .setSourceTopic(topic)
                    .setPartition(0)
                    .setOffset(1L)
                    .setErrorKind(ErrorKind.EMPTY_VALUE)
                    .setMessage("empty")
                    .setTime(Instant.ofEpochMilli(now))
                    .setApplication("fuzz")
                    .setRejectionKind("EMPTY_VALUE")
                    .setSourceTimestamp(now)
                    .setModelName("m")
                    .setModelVersion(1)
                    .build();
            otherRecords.add(deadLetters.serializer().serialize(topic + "-other-dlq", deadLetter));
            Schema other = SchemaBuilder.record("Other")
                    .namespace("io.otnn.fuzz")
                    .fields()
                    .requiredString("imageId")
                    .requiredBytes("pixels")
                    .requiredInt("width")
                    .endRecord();
            GenericRecord record = new GenericData.Record(other);
            record.put("imageId", "other");
            record.put("pixels", ByteBuffer.wrap(new byte[SIZE]));
            record.put("width", SIDE);
            otherRecords.add(generic.serializer().serialize(topic + "-other", record));
        }
        for (byte[] other : otherRecords) {
            otherSchemaIds.add(Arrays.copyOfRange(other, 1, 5));
        }
        this.pngBomb = PngFiles.zeros(30_000, 30_000);
    }

    /** The next good image: RAW_U8 mostly, sometimes RAW_F32 or PNG. */
    public Hostile good() {
        int i = next++;
        String id = String.format("good-%06d", i);
        int choice = random.nextInt(10);
        byte[] raw = new byte[SIZE];
        random.nextBytes(raw);
        float[] pixels = new float[SIZE];
        for (int p = 0; p < SIZE; p++) pixels[p] = (float) ((raw[p] & 0xff) * (1 / 255.0));
        ImageInput image;
        Mutation mutation;
        if (choice == 0) {
            for (int p = 0; p < SIZE; p++) pixels[p] = random.nextFloat();
            pixels[0] = 1f; // the bounds are in range
            pixels[1] = 0f;
            image = new ImageInput(id, "RAW_F32", SIDE, SIDE, 1, Images.f32(pixels), null, now + i);
            mutation = Mutation.GOOD_F32;
        } else if (choice == 1) {
            image = new ImageInput(id, "PNG", SIDE, SIDE, 1, png(raw), random.nextInt(10), now + i);
            mutation = Mutation.GOOD_PNG;
        } else {
            image = new ImageInput(id, "RAW_U8", SIDE, SIDE, 1, raw, random.nextInt(10), now + i);
            mutation = Mutation.GOOD_U8;
        }
        decodedIds.add(id);
        return new Hostile(i, mutation, key(id), format.writeImage(topic, image), null, true, pixels, id);
    }

    /** The next hostile record. */
    public Hostile hostile() {
        int i = next++;
        String id = String.format("bad-%06d", i);
        Mutation mutation = Mutation.values()[3 + random.nextInt(Mutation.values().length - 3)];
        if (mutation == Mutation.PNG_BOMB && random.nextInt(20) != 0) {
            mutation = Mutation.HEADER_BOMB; // the 870 KB one now and then
        }
        if (mutation == Mutation.OVERSIZE && random.nextInt(20) != 0) {
            mutation = Mutation.WRONG_SHAPE; // the large ones now and then
        }
        byte[] raw = new byte[SIZE];
        random.nextBytes(raw);
        ImageInput valid = new ImageInput(id, "RAW_U8", SIDE, SIDE, 1, raw, null, now + i);
        byte[] good = format.writeImage(topic, valid);
        return switch (mutation) {
            case LABEL_OUT_OF_RANGE -> {
                // a label that is no class of the model would corrupt the window's accuracy: refused
                int label = random.nextBoolean() ? 10 + random.nextInt(1000) : -1 - random.nextInt(1000);
                yield rejected(
                        i,
                        mutation,
                        id,
                        format.writeImage(topic, new ImageInput(id, "RAW_U8", SIDE, SIDE, 1, raw, label, now + i)),
                        RejectionKind.LABEL_OUT_OF_RANGE);
            }
            case BIT_FLIP, TRUNCATION, LENGTH_PREFIX -> random(i, mutation, id, good, valid);
            case TRAILING_BYTES ->
                rejected(i, mutation, id, concat(good, bytes(1 + random.nextInt(20))), RejectionKind.UNDESERIALISABLE);
            case GARBAGE -> {
                byte[] garbage = bytes(1 + random.nextInt(300));
                garbage[0] = (byte) (1 + random.nextInt(255)); // not the magic byte
                yield rejected(i, mutation, id, garbage, RejectionKind.UNDESERIALISABLE);
            }
            case BAD_ENUM_INDEX -> {
                byte[] bytes = good.clone();
                int index = 4 + random.nextInt(60); // PixelEncoding has 4 symbols
                bytes[encodingOffset(valid)] = (byte) (random.nextBoolean() ? 2 * index : 2 * index - 1);
                yield rejected(i, mutation, id, bytes, RejectionKind.UNDESERIALISABLE);
            }
            case OTHER_SCHEMA_ID -> {
                byte[] bytes = good.clone();
                System.arraycopy(otherSchemaIds.get(random.nextInt(otherSchemaIds.size())), 0, bytes, 1, 4);
                yield rejected(i, mutation, id, bytes, RejectionKind.UNDESERIALISABLE);
            }
            case UNKNOWN_SCHEMA_ID -> {
                byte[] bytes = good.clone();
                ByteBuffer.wrap(bytes).putInt(1, 1_000_000 + random.nextInt(1_000_000));
                yield rejected(i, mutation, id, bytes, RejectionKind.UNKNOWN_SCHEMA);
            }
            case OTHER_RECORD ->
                rejected(
                        i,
                        mutation,
                        id,
                        otherRecords.get(random.nextInt(otherRecords.size())),
                        RejectionKind.UNDESERIALISABLE);
            case OTHER_ENCODING ->
                switch (random.nextInt(4)) {
                    case 0 -> image(i, mutation, id, "PNG", SIDE, SIDE, 1, raw, RejectionKind.UNDECODABLE);
                    case 1 -> image(i, mutation, id, "JPEG", SIDE, SIDE, 1, png(raw), RejectionKind.UNDECODABLE);
                    case 2 -> image(i, mutation, id, "RAW_F32", SIDE, SIDE, 1, raw, RejectionKind.WRONG_SHAPE);
                    default -> image(i, mutation, id, "RAW_U8", SIDE, SIDE, 1, png(raw), RejectionKind.WRONG_SHAPE);
                };
            case WRONG_SHAPE -> {
                int[] sides = {0, -1, SIDE - 1, SIDE + 1, 1 << 30, Integer.MIN_VALUE};
                int side = sides[random.nextInt(sides.length)];
                yield random.nextBoolean()
                        ? image(i, mutation, id, "RAW_U8", side, SIDE, 1, raw, RejectionKind.WRONG_SHAPE)
                        : image(i, mutation, id, "RAW_U8", SIDE, side, 1, raw, RejectionKind.WRONG_SHAPE);
            }
            case WRONG_CHANNELS -> {
                int[] channels = {0, -3, 2, 3, 4, Integer.MAX_VALUE};
                yield image(
                        i,
                        mutation,
                        id,
                        "RAW_U8",
                        SIDE,
                        SIDE,
                        channels[random.nextInt(channels.length)],
                        raw,
                        RejectionKind.WRONG_CHANNELS);
            }
            case OUT_OF_RANGE -> {
                float[] values = new float[SIZE];
                float[] wild = {1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE, 1.5f, -0.01f, 2f, 255f};
                values[random.nextInt(SIZE)] = wild[random.nextInt(wild.length)];
                yield image(i, mutation, id, "RAW_F32", SIDE, SIDE, 1, Images.f32(values), RejectionKind.OUT_OF_RANGE);
            }
            case NON_FINITE -> {
                float[] values = new float[SIZE];
                float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
                values[random.nextInt(SIZE)] = bad[random.nextInt(bad.length)];
                yield image(i, mutation, id, "RAW_F32", SIDE, SIDE, 1, Images.f32(values), RejectionKind.NON_FINITE);
            }
            case HEADER_BOMB ->
                image(
                        i,
                        mutation,
                        id,
                        "PNG",
                        SIDE,
                        SIDE,
                        1,
                        PngFiles.zeros(20_000 + random.nextInt(40_000), 20_000 + random.nextInt(40_000), 4),
                        RejectionKind.OVERSIZE);
            case PNG_BOMB -> image(i, mutation, id, "PNG", SIDE, SIDE, 1, pngBomb, RejectionKind.OVERSIZE);
            case OVERSIZE ->
                image(
                        i,
                        mutation,
                        id,
                        "RAW_U8",
                        SIDE,
                        SIDE,
                        1,
                        bytes(imageMaxBytes + 1 + random.nextInt(100)),
                        RejectionKind.OVERSIZE);
            case EMPTY -> rejected(i, mutation, id, new byte[0], RejectionKind.EMPTY_VALUE);
            case TOMBSTONE -> rejected(i, mutation, id, null, RejectionKind.EMPTY_VALUE);
            case NULL_KEY -> new Hostile(i, mutation, null, good, RejectionKind.MISSING_KEY, false, null, null);
            case GOOD_U8, GOOD_F32, GOOD_PNG -> throw new IllegalStateException("not a mutation");
        };
    }

    /** A random mutation: whatever it leaves, the record is explained (as what it decodes to) or dead-lettered. */
    private Hostile random(int i, Mutation mutation, String id, byte[] good, ImageInput valid) {
        for (int attempt = 0; attempt < 100; attempt++) {
            byte[] bytes = switch (mutation) {
                case BIT_FLIP -> {
                    byte[] flipped = good.clone();
                    for (int f = 1 + random.nextInt(4); f > 0; f--) {
                        flipped[random.nextInt(flipped.length)] ^= (byte) (1 << random.nextInt(8));
                    }
                    yield flipped;
                }
                case TRUNCATION -> Arrays.copyOf(good, 1 + random.nextInt(good.length - 1));
                default -> badLengthPrefix(good, valid);
            };
            ImageInput decoded = decoded(bytes);
            if (decoded == null) {
                return new Hostile(i, mutation, key(id), bytes, null, false, null, null);
            }
            // drawn again: an id another record may be explained under, or an event time the broker refuses
            if (decoded.eventTime() - now <= maxFutureSkewMs && decodedIds.add(decoded.imageId())) {
                return new Hostile(i, mutation, key(id), bytes, null, false, null, decoded.imageId());
            }
        }
        return new Hostile(
                i, mutation, key(id), Arrays.copyOf(good, 3), RejectionKind.UNDESERIALISABLE, false, null, null);
    }

    /**
     * What the application would read from these bytes, read with the application's own parser (bookkeeping only:
     * it names the explanation to expect); null when they do not parse.
     */
    private ImageInput decoded(byte[] bytes) {
        try {
            return format.readImage(topic, new RecordHeaders(), bytes);
        } catch (RejectedRecordException e) {
            return null;
        }
    }

    /** The imageId's or the pixels' length prefix replaced by another (huge, negative, off by one, zero). */
    private byte[] badLengthPrefix(byte[] good, ImageInput valid) {
        boolean pixels = random.nextBoolean();
        int offset = pixels ? encodingOffset(valid) + 1 : 5;
        int length = pixels ? SIZE : valid.imageId().length();
        long[] wrong = {length + 1, length - 1, -1, -length, Integer.MAX_VALUE, 1L << 40, 0};
        long bad = wrong[random.nextInt(wrong.length)];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(good, 0, offset);
        writeVarint(out, (bad << 1) ^ (bad >> 63));
        int old = varintSize((long) length << 1);
        out.write(good, offset + old, good.length - offset - old);
        return out.toByteArray();
    }

    /** Offset of the encoding's enum index: after magic, id, imageId, source, eventTime, width, height, channels. */
    private static int encodingOffset(ImageInput image) {
        int idLength = image.imageId().getBytes(StandardCharsets.UTF_8).length;
        int sourceLength = AvroRecordFormat.DEFAULT_SOURCE.length();
        return 5
                + varintSize(2L * idLength)
                + idLength
                + varintSize(2L * sourceLength)
                + sourceLength
                + varintSize(2 * image.eventTime())
                + varintSize(2L * image.width())
                + varintSize(2L * image.height())
                + varintSize(2L * image.channels());
    }

    private Hostile image(
            int i,
            Mutation mutation,
            String id,
            String encoding,
            int width,
            int height,
            int channels,
            byte[] data,
            RejectionKind kind) {
        return rejected(
                i,
                mutation,
                id,
                format.writeImage(topic, new ImageInput(id, encoding, width, height, channels, data, null, now + i)),
                kind);
    }

    private Hostile rejected(int i, Mutation mutation, String id, byte[] value, RejectionKind kind) {
        return new Hostile(i, mutation, key(id), value, kind, false, null, null);
    }

    private byte[] bytes(int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] key(String id) {
        return id.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] png(byte[] gray) {
        BufferedImage image = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setDataElements(0, 0, SIDE, SIDE, gray);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static int varintSize(long zigzag) {
        int size = 1;
        while ((zigzag & ~0x7fL) != 0) {
            zigzag >>>= 7;
            size++;
        }
        return size;
    }

    private static void writeVarint(ByteArrayOutputStream out, long zigzag) {
        while ((zigzag & ~0x7fL) != 0) {
            out.write((int) ((zigzag & 0x7f) | 0x80));
            zigzag >>>= 7;
        }
        out.write((int) zigzag);
    }
}
