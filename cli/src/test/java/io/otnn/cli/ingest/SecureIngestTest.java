package io.otnn.cli.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.ImageEvent;
import io.otnn.ingest.testing.IdxFiles;
import io.otnn.ingest.testing.ImageEvents;
import io.otnn.local.LocalStack;
import io.otnn.local.LocalStackConfig;
import io.otnn.local.security.SecurityMaterial;
import io.otnn.local.security.StackSecurity;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code otnn ingest --config FILE} against a SASL_SSL broker and an HTTPS registry with basic auth. */
class SecureIngestTest {

    private static LocalStack stack;
    private static SecurityMaterial security;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        stack = LocalStack.start(LocalStackConfig.builder()
                .security(StackSecurity.saslSsl().build())
                .build());
        security = stack.security().orElseThrow();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void shouldPublishEveryImageWhenConfiguredWithTheSecureStacksClientFile() throws Exception {
        Path data = IdxFiles.writeIdx(dir.resolve("mnist"), "t10k", 40, 28, 28);
        String topic = "secure-ingest-" + UUID.randomUUID();
        Run run = ingest(
                "--source",
                "idx:" + data,
                "--config",
                security.clientPropertiesFile(StackSecurity.DEFAULT_USER).toString(),
                "--topic",
                topic,
                "--with-labels");
        assertThat(run.exit).as(run.err).isZero();
        assertThat(run.out).contains("Sent 40 image(s)");

        List<ConsumerRecord<String, ImageEvent>> read = readCommitted(topic, 40);
        assertThat(read).hasSize(40);
        assertThat(read.stream().map(ConsumerRecord::key).distinct()).hasSize(40);
        assertThat(read).allSatisfy(r -> assertThat(r.value().getImageId()).isEqualTo(r.key()));
    }

    @Test
    void shouldStopWithOneLineAndExitOneWithinSecondsWhenTheKafkaPasswordIsWrong() throws Exception {
        Path data = IdxFiles.writeIdx(dir.resolve("mnist"), "t10k", 500, 28, 28);
        Path config = withSetting(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"otnn\" "
                        + "password=\"wrong-password\";");
        long start = System.nanoTime();
        Run run = ingest(
                "--source",
                "idx:" + data,
                "idx:" + data,
                "--config",
                config.toString(),
                "--topic",
                "never-" + UUID.randomUUID());
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(run.exit).isEqualTo(1);
        assertThat(lines(run.err))
                .containsExactly("ingest: stopped: Kafka refused the credentials: Authentication "
                        + "failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (check "
                        + "security.protocol, sasl.mechanism, sasl.jaas.config and the ssl.truststore.* settings)");
        assertThat(run.out).contains("Sent 0 image(s)");
        assertThat(took).as("no retry storm over 1,000 images").isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void shouldStopAfterOneRegistryRequestWithOneLineWhenTheRegistryPasswordIsWrong() throws Exception {
        Path data = IdxFiles.writeIdx(dir.resolve("mnist"), "t10k", 200, 28, 28);
        Path config = withSetting("basic.auth.user.info", StackSecurity.DEFAULT_USER + ":wrong-password");
        stack.registry().resetRequestCounts();
        Run run = ingest(
                "--source",
                "idx:" + data,
                "idx:" + data,
                "--config",
                config.toString(),
                "--topic",
                "never-" + UUID.randomUUID());

        assertThat(run.exit).isEqualTo(1);
        List<String> errors = lines(run.err);
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0))
                .startsWith("ingest: stopped: the schema registry refused the credentials " + "(basic.auth.user.info")
                .contains("Unauthorized")
                .contains("HTTP 401")
                .containsOnlyOnce("refused the credentials")
                .doesNotContain("wrong-password");
        assertThat(stack.registry().requestCount("POST", "/subjects/"))
                .as("one attempt, no retries")
                .isEqualTo(1);
    }

    private Path withSetting(String key, String value) throws Exception {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(security.clientPropertiesFile(StackSecurity.DEFAULT_USER))) {
            properties.load(in);
        }
        properties.setProperty(key, value);
        Path file = dir.resolve("client-" + UUID.randomUUID() + ".properties");
        try (OutputStream out = Files.newOutputStream(file)) {
            properties.store(out, null);
        }
        return file;
    }

    private static List<String> lines(String text) {
        return Arrays.stream(text.split("\\R")).filter(l -> !l.isBlank()).toList();
    }

    private record Run(int exit, String out, String err) {}

    private static Run ingest(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new IngestCommand());
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        int exit = command.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static List<ConsumerRecord<String, ImageEvent>> readCommitted(String topic, int count) {
        Map<String, Object> config = new HashMap<>(stack.clientProperties());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (SchemaRegistryClient registry = RestSchemaRegistryClient.fromConfig(stack.clientProperties())) {
            return ImageEvents.read(config, registry, topic, count);
        }
    }
}
