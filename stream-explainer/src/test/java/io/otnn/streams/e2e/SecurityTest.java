package io.otnn.streams.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.ingest.ClientSettings;
import io.otnn.ingest.ImagePublisher;
import io.otnn.ingest.PublishResult;
import io.otnn.ingest.source.ImageSource;
import io.otnn.ingest.testing.IdxFiles;
import io.otnn.local.LocalStack;
import io.otnn.local.LocalStackConfig;
import io.otnn.local.security.SecurityMaterial;
import io.otnn.local.security.StackSecurity;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.format.AvroRecordFormat;
import io.otnn.streams.testing.CapturedLogs;
import io.otnn.streams.testing.Images;
import io.otnn.streams.testing.LinearTestEngine;
import io.otnn.streams.testing.SecureExplainerFiles;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security for real: a broker whose client listener requires SASL_SSL (SCRAM-SHA-512, a CA made for the run) and a
 * registry on HTTPS with basic auth. Ingest with the user's client file (as {@code otnn ingest --config} uses it),
 * the explainer configured from a properties file (as {@code otnn explain --config} reads it) and a read_committed
 * consumer all work; a refused credential stops the explainer with one line instead of replacing stream threads in
 * a loop. ({@code otnn explain} itself, with a wrong password in its file: cli's ExplainCommandSecurityTest.)
 */
class SecurityTest {

    private static final int IMAGES = 300;
    private static final String CLIENT = "otnn";
    private static final String EXPLAINER = "explainer";
    private static final String REVOKED = "revoked";

    private static LocalStack stack;
    private static SecurityMaterial security;
    private static LinearTestEngine engine;

    @RegisterExtension
    final CapturedLogs logs = new CapturedLogs();

    @TempDir
    Path dir;

    @BeforeAll
    static void startSecureStack() {
        stack = LocalStack.start(LocalStackConfig.builder()
                .security(StackSecurity.saslSsl()
                        .mechanism("SCRAM-SHA-512")
                        .user(CLIENT, StackSecurity.randomSecret())
                        .user(EXPLAINER, StackSecurity.randomSecret())
                        .user(REVOKED, StackSecurity.randomSecret())
                        .build())
                // clients log in again on their open connections every 3 s (KIP-368): a revoked user is noticed
                .brokerProperty("connections.max.reauth.ms", "3000")
                .build());
        security = stack.security().orElseThrow();
        engine = new LinearTestEngine(28, 28, 1, 10, 11, pixels -> false);
    }

    @AfterAll
    static void stopSecureStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void shouldExplainEveryImageExactlyOnceWhenIngestExplainerAndConsumerUseSaslSslAndHttps() throws Exception {
        String prefix = "sec-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        Path images = writeIdx(dir.resolve("digits"), IMAGES);
        Path config = SecureExplainerFiles.explainerConfig(security, EXPLAINER, prefix, dir, Map.of());
        assertThat(Files.readString(config)).contains("security.protocol=SASL_SSL", "basic.auth.user.info=");

        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setConfig(ExplainerConfig.load(config, Map.of(), Map.of()))
                .optEngine(engine)
                .build()
                .start()) {
            assertThat(app.awaitRunning(Duration.ofSeconds(90))).isTrue();

            PublishResult sent = ingest(images, prefix + "images", true);
            assertThat(sent.succeeded())
                    .as(sent.messages() + " " + sent.stoppedBy())
                    .isTrue();
            assertThat(sent.summary(prefix + "images")).contains("Sent " + IMAGES + " image(s)");

            AvroRecordFormat format = consumerFormat();
            List<ConsumerRecord<String, Explanation>> explained = readCommitted(
                    prefix + "explanations",
                    format.explanationSerde().deserializer(),
                    IMAGES,
                    Duration.ofSeconds(180),
                    Duration.ofSeconds(3));
            List<ConsumerRecord<String, DeadLetter>> dead = readCommitted(
                    prefix + "dlq", format.deadLetterSerde().deserializer(), 1, Duration.ofSeconds(2), Duration.ZERO);

            assertThat(dead).isEmpty();
            assertThat(explained).hasSize(IMAGES);
            Map<String, Explanation> byId =
                    explained.stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
            assertThat(byId).hasSize(IMAGES);
            for (int i = 0; i < IMAGES; i++) {
                String id = "digits/t10k/" + i;
                Explanation e = byId.get(id);
                assertThat(e).as(id).isNotNull();
                assertThat(e.getImageId()).isEqualTo(id);
                assertThat(e.getLabel()).isEqualTo(i % 10);
                // the class the engine gives this image's own pixels, computed here without the stream
                assertThat(e.getPredictedClass()).as(id).isEqualTo(argmax(engine.scores(Images.decodeU8(pixels(i)))));
            }
            assertThat(app.failure()).isEmpty();
            assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
        }
    }

    @Test
    void shouldStopWithOneLineAndNoThreadReplacedWhenKafkaRefusesTheExplainersPassword() throws Exception {
        String prefix = "wrong-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        SecureExplainerFiles.createTopics(stack, prefix);
        Path config = SecureExplainerFiles.explainerConfig(
                security,
                EXPLAINER,
                prefix,
                dir,
                Map.of(
                        ExplainerConfig.TOPICS_CREATE_CONFIG,
                        "false",
                        "sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + EXPLAINER
                                + "\" password=\"not-the-password\";"));

        String reason = stopReason(config, Duration.ofSeconds(60));

        // Kafka's own words: whichever check meets the refusal first (start-up or a stream thread) must pass them on
        assertThat(reason).contains("invalid credentials").doesNotContain("not-the-password");
        logs.assertNoRetryStorm();
    }

    @Test
    void shouldStopWithOneLineWhenTheUserIsRevokedWhileTheExplainerRunsWithItsSecretsFromTheEnvironment()
            throws Exception {
        String prefix = "revoke-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        Path config = SecureExplainerFiles.explainerConfig(security, REVOKED, prefix, dir, Map.of());
        Map<String, String> environment = moveSecretsToEnvironment(config);
        assertThat(Files.readString(config)).doesNotContain("sasl.jaas.config", "basic.auth.user.info");
        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setConfig(ExplainerConfig.load(config, environment, Map.of()))
                .optEngine(engine)
                .build()
                .start()) {
            assertThat(app.awaitRunning(Duration.ofSeconds(90))).isTrue();
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.broker().internalBootstrapServers()))) {
                admin.alterUserScramCredentials(
                                List.of(new UserScramCredentialDeletion(REVOKED, ScramMechanism.SCRAM_SHA_512)))
                        .all()
                        .get(30, TimeUnit.SECONDS);
            }
            assertThat(awaitStopped(app, Duration.ofSeconds(90)))
                    .as("stopped after the revocation")
                    .isTrue();
            assertThat(app.failure())
                    .hasValueSatisfying(reason -> assertThat(reason)
                            .startsWith(
                                    "Kafka refused the credentials: Authentication failed during re-authentication due "
                                            + "to invalid credentials with SASL mechanism SCRAM-SHA-512")
                            .endsWith(
                                    "(check security.protocol, sasl.mechanism, sasl.jaas.config and the ssl.truststore.* "
                                            + "settings)"));
            assertThat(app.state()).isEqualTo(KafkaStreams.State.ERROR);
        }
        logs.assertNoRetryStorm();
    }

    @Test
    void shouldStopWithOneLineAfterFewRegistryRequestsWhenTheRegistryRefusesTheExplainersPassword() throws Exception {
        String prefix = "reg-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        SecureExplainerFiles.createTopics(stack, prefix);
        Path images = writeIdx(dir.resolve("digits"), 20);
        assertThat(ingest(images, prefix + "images", false).succeeded()).isTrue();
        Path config = SecureExplainerFiles.explainerConfig(
                security,
                EXPLAINER,
                prefix,
                dir,
                Map.of(
                        ExplainerConfig.TOPICS_CREATE_CONFIG,
                        "false",
                        "basic.auth.user.info",
                        EXPLAINER + ":not-the-password"));
        stack.registry().resetRequestCounts();

        String reason = stopReason(config, Duration.ofSeconds(60));

        assertThat(reason).contains("401").doesNotContain("not-the-password");
        assertThat(stack.registry().requestCount("GET", "/"))
                .as("registry requests: no retry storm")
                .isBetween(1L, 6L);
        logs.assertNoRetryStorm();
    }

    /**
     * Starts the explainer and returns why it stopped: the start-up exception's message, or the one line of
     * {@link StreamExplainerApp#failure()} when Kafka Streams itself met the refusal.
     */
    private String stopReason(Path config, Duration timeout) throws Exception {
        StreamExplainerApp app = StreamExplainerApp.builder()
                .setConfig(ExplainerConfig.load(config, Map.of(), Map.of()))
                .optEngine(engine)
                .build();
        try (app) {
            try {
                app.start();
            } catch (RuntimeException e) {
                return messages(e);
            }
            assertThat(awaitStopped(app, timeout))
                    .as("stopped within " + timeout)
                    .isTrue();
            assertThat(app.state()).isEqualTo(KafkaStreams.State.ERROR);
            return app.failure().orElseThrow();
        }
    }

    private static boolean awaitStopped(StreamExplainerApp app, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (app.failure().isPresent() && app.state() == KafkaStreams.State.ERROR) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static String messages(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            text.append(t.getMessage()).append(" | ");
        }
        return text.toString();
    }

    /** What {@code otnn ingest --config} does with the user's client file (SASL_SSL, TLS, basic auth). */
    private static PublishResult ingest(Path images, String topic, boolean withLabels) throws Exception {
        try (ImagePublisher publisher = ImagePublisher.builder()
                .optClientSettings(ClientSettings.read(security.clientPropertiesFile(CLIENT)))
                .optTopic(topic)
                .optWithLabels(withLabels)
                .build()) {
            return publisher.publish(List.of(ImageSource.parse("idx:" + images)), ImagePublisher.Progress.NONE);
        }
    }

    /** Takes the SASL and basic-auth secrets out of the file; returns them as {@code otnn explain} reads them from
     * the environment ({@code OTNN_KAFKA_SASL_JAAS_CONFIG}, {@code OTNN_KAFKA_BASIC_AUTH_USER_INFO}). */
    private static Map<String, String> moveSecretsToEnvironment(Path file) throws Exception {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        }
        Map<String, String> environment = Map.of(
                "OTNN_KAFKA_SASL_JAAS_CONFIG", (String) properties.remove("sasl.jaas.config"),
                "OTNN_KAFKA_BASIC_AUTH_USER_INFO", (String) properties.remove("basic.auth.user.info"));
        try (OutputStream out = Files.newOutputStream(file)) {
            properties.store(out, "otnn explain --config, secrets in the environment");
        }
        return environment;
    }

    private static AvroRecordFormat consumerFormat() {
        SchemaRegistryClient registry = RestSchemaRegistryClient.fromConfig(stack.clientProperties());
        return new AvroRecordFormat(registry);
    }

    private static <V> List<ConsumerRecord<String, V>> readCommitted(
            String topic, Deserializer<V> values, int count, Duration timeout, Duration settle) {
        Map<String, Object> config = new HashMap<>(stack.clientProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, V>> read = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, new StringDeserializer(), values)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && read.size() < count) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
            long settleUntil = System.nanoTime() + settle.toNanos();
            while (System.nanoTime() < settleUntil) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
        }
        return read;
    }

    /** Image {@code i} of {@link #writeIdx}: pixels drawn from a generator seeded with i. */
    private static byte[] pixels(int i) {
        byte[] pixels = new byte[28 * 28];
        new Random(1_000 + i).nextBytes(pixels);
        return pixels;
    }

    /** Writes {@code t10k-images-idx3-ubyte} and its labels (i % 10) as ingest reads them. */
    private static Path writeIdx(Path folder, int n) throws Exception {
        return IdxFiles.writeIdx(folder, "t10k", n, 28, 28, false, SecurityTest::pixels, i -> i % 10);
    }

    private static int argmax(float[] scores) {
        int top = 0;
        for (int k = 1; k < scores.length; k++) {
            if (scores[k] > scores[top]) {
                top = k;
            }
        }
        return top;
    }
}
