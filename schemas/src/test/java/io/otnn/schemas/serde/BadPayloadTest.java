package io.otnn.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.otnn.avro.Explanation;
import io.otnn.local.LocalStack;
import io.otnn.schemas.SampleRecords;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClientConfig;
import io.otnn.schemas.registry.SchemaRegistryUnavailableException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.apache.avro.generic.GenericData;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every bad payload fails fast with a SerializationException that names the topic and the problem. */
class BadPayloadTest {

    private static final String TOPIC = "otnn.explanations.bad";
    private static final Duration FAST = Duration.ofSeconds(10);

    private static LocalStack stack;
    private static SchemaRegistryClient client;
    private static AvroSerde<Explanation> serde;
    private static byte[] good;

    @BeforeAll
    static void start() {
        stack = LocalStack.start();
        client = RestSchemaRegistryClient.forUrl(stack.schemaRegistryUrl());
        serde = AvroSerdes.specific(Explanation.class, client, false);
        good = serde.serializer().serialize(TOPIC, SampleRecords.explanation("good", new Random(3)));
    }

    @AfterAll
    static void stop() {
        serde.close();
        client.close();
        stack.close();
    }

    @Test
    void shouldFailNamingTopicWhenPayloadIsNull() {
        assertBad(null, "null value payload");
    }

    @Test
    void shouldReturnNullWhenPayloadIsNullAndTombstonesAreAllowed() {
        AvroDeserializer<Explanation> lenient = new AvroDeserializer<>(client, Explanation.class, null);
        lenient.configure(Map.of(AvroSerdeConfig.TOMBSTONE_AS_NULL_CONFIG, "true"), false);
        assertThat(lenient.deserialize(TOPIC, null)).isNull();
    }

    @Test
    void shouldFailNamingTopicWhenPayloadIsEmptyOrShorterThanHeader() {
        assertBad(new byte[0], "truncated value payload of 0 byte(s)");
        assertBad(new byte[] {0, 0, 1}, "truncated value payload of 3 byte(s)");
    }

    @Test
    void shouldFailNamingTopicWhenMagicByteIsWrong() {
        byte[] bytes = good.clone();
        bytes[0] = 7;
        assertBad(bytes, "unknown magic byte 0x07");
        assertBad("{\"json\":true}".getBytes(), "unknown magic byte 0x7b");
    }

    @Test
    void shouldFailNamingTopicWhenSchemaIdIsUnknown() {
        byte[] bytes = good.clone();
        bytes[1] = 0x7f;
        assertBad(bytes, "unknown schema id " + WireFormat.schemaId(bytes));
    }

    @Test
    void shouldFailNamingTopicWhenPayloadIsTruncated() {
        for (int length : new int[] {6, 20, good.length / 2, good.length - 1}) {
            assertBad(Arrays.copyOf(good, length), "cannot decode");
        }
    }

    @Test
    void shouldFailNamingTopicWhenTrailingBytesFollowTheRecord() {
        byte[] bytes = Arrays.copyOf(good, good.length + 3);
        assertBad(bytes, "garbage after the Avro record");
    }

    @Test
    void shouldFailNamingTopicWhenLengthPrefixClaimsHugeArray() {
        // header of the good schema id, then a string length of about 2^30 followed by nothing
        byte[] bytes = Arrays.copyOf(good, 5 + 5);
        byte[] hugeLength = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08};
        System.arraycopy(hugeLength, 0, bytes, 5, 5);
        assertBad(bytes, "cannot decode");
    }

    @Test
    void shouldFailOrDecodeWithoutHangingWhenBodyIsRandomGarbage() {
        Random random = new Random(42);
        AvroDeserializer<Explanation> deserializer = (AvroDeserializer<Explanation>) serde.deserializer();
        Explanation original = serde.deserializer().deserialize(TOPIC, good);
        int[] outcomes = new int[3]; // good records decoded, garbage decoded, garbage refused
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            for (int i = 0; i < 2_000; i++) {
                // one good record in ten, so that both outcomes are seen and checked
                boolean valid = i % 10 == 0;
                byte[] bytes = valid ? good : new byte[5 + random.nextInt(400)];
                if (!valid) {
                    random.nextBytes(bytes);
                    System.arraycopy(good, 0, bytes, 0, 5);
                }
                Explanation decoded;
                try {
                    decoded = deserializer.deserialize(TOPIC, bytes);
                } catch (SerializationException e) {
                    assertThat(valid)
                            .as("a good record refused: %s", e.getMessage())
                            .isFalse();
                    assertThat(e).hasMessageContaining("topic " + TOPIC);
                    outcomes[2]++;
                    continue;
                }
                assertThat(decoded).isNotNull();
                if (valid) {
                    assertThat(decoded).isEqualTo(original);
                    outcomes[0]++;
                } else {
                    // garbage that happens to decode must be a whole record that writes and reads back the same
                    assertThat(GenericData.get().validate(Explanation.getClassSchema(), decoded))
                            .isTrue();
                    byte[] again = serde.serializer().serialize(TOPIC, decoded);
                    assertThat(deserializer.deserialize(TOPIC, again)).isEqualTo(decoded);
                    outcomes[1]++;
                }
            }
        });
        System.out.printf(
                "random bodies: %d good decoded, %d garbage decoded, %d garbage refused%n",
                outcomes[0], outcomes[1], outcomes[2]);
        assertThat(outcomes[0]).isEqualTo(200);
        assertThat(outcomes[1] + outcomes[2]).isEqualTo(1_800);
        assertThat(outcomes[2]).isPositive();
    }

    @Test
    void shouldFailClearlyAfterBoundedRetriesWhenRegistryIsDown() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        SchemaRegistryClient down = new RestSchemaRegistryClient(SchemaRegistryClientConfig.from(Map.of(
                SchemaRegistryClientConfig.URL_CONFIG, "http://127.0.0.1:" + closedPort,
                SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, "2",
                SchemaRegistryClientConfig.RETRY_BACKOFF_MS_CONFIG, "50")));
        long start = System.nanoTime();
        assertTimeoutPreemptively(FAST, () -> {
            assertThatThrownBy(() -> down.getSchemaById(1))
                    .isInstanceOf(SchemaRegistryUnavailableException.class)
                    .hasMessageContaining("127.0.0.1:" + closedPort)
                    .hasMessageContaining("after 3 attempt(s)");
            AvroDeserializer<Explanation> deserializer = new AvroDeserializer<>(down, Explanation.class, null);
            deserializer.configure(Map.of(), false);
            assertThatThrownBy(() -> deserializer.deserialize(TOPIC, good))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("topic " + TOPIC)
                    .hasMessageContaining("unavailable");
        });
        // two back-offs (50 + 100 ms) per call: the retries really happened
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    private static void assertBad(byte[] payload, String problem) {
        assertTimeoutPreemptively(
                FAST,
                () -> assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, payload))
                        .isInstanceOf(SerializationException.class)
                        .hasMessageContaining("topic " + TOPIC)
                        .hasMessageContaining(problem));
    }
}
