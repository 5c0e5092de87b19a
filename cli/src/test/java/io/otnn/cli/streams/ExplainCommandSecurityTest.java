package io.otnn.cli.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import io.otnn.explain.testing.Fixtures;
import io.otnn.local.LocalStack;
import io.otnn.local.LocalStackConfig;
import io.otnn.local.security.SecurityMaterial;
import io.otnn.local.security.StackSecurity;
import io.otnn.streams.ExplainerConfig;
import picocli.CommandLine;

/**
 * {@code otnn explain --config FILE} against a broker whose client listener requires SASL_SSL (SCRAM-SHA-512): a
 * wrong password in the file ends the command with exit 1 and one line, without a retry storm (the secure scenarios
 * of the explainer itself are stream-explainer's SecurityTest).
 */
class ExplainCommandSecurityTest {

    private static final String EXPLAINER = "explainer";

    private static LocalStack stack;
    private static SecurityMaterial security;

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void startSecureStack() {
        stack = LocalStack.start(LocalStackConfig.builder()
                .security(StackSecurity.saslSsl().mechanism("SCRAM-SHA-512")
                        .user(StackSecurity.DEFAULT_USER, StackSecurity.randomSecret())
                        .user(EXPLAINER, StackSecurity.randomSecret()).build())
                .build());
        security = stack.security().orElseThrow();
    }

    @AfterAll
    static void stopSecureStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @BeforeEach
    void captureLogs() {
        logs.start();
        root().addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        root().detachAppender(logs);
    }

    @Test
    void shouldExitOneWithinAMinuteWhenOtnnExplainReadsAWrongPasswordFromItsConfigFile() throws Exception {
        String prefix = "cli-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        createTopics(prefix);
        Path config = explainerConfig(EXPLAINER, prefix, Map.of(ExplainerConfig.TOPICS_CREATE_CONFIG, "false",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + EXPLAINER + "\" password=\"not-the-password\";"));
        CommandLine explain = new CommandLine(new ExplainCommand());
        StringWriter err = new StringWriter();
        explain.setErr(new PrintWriter(err, true));

        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> explain.execute("--config",
                config.toString(), "--model", Fixtures.denseMnist().toString()));

        assertThat(exit.get(60, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(err.toString()).doesNotContain("not-the-password");
        assertNoRetryStorm();
    }

    /** One line of ours, no stream thread replaced, a handful of refused logins (Kafka's clients log each). */
    private void assertNoRetryStorm() {
        List<String> messages = logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(messages.stream().filter(m -> m.startsWith("Stream thread failed, replacing it"))).isEmpty();
        assertThat(messages.stream().filter(m -> m.startsWith("Stopping the stream explainer:")).count())
                .isLessThanOrEqualTo(1);
        assertThat(messages.stream().filter(m -> m.contains("failed authentication")).count())
                .as("refused logins").isLessThanOrEqualTo(10);
    }

    /** The user's client file (SASL_SSL, TLS, basic auth) plus the explainer's own keys: what --config reads. */
    private Path explainerConfig(String user, String prefix, Map<String, String> overrides) throws Exception {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(security.clientPropertiesFile(user))) {
            properties.load(in);
        }
        Map<String, String> ours = new LinkedHashMap<>();
        ours.put(ExplainerConfig.APPLICATION_ID_CONFIG, prefix + "app");
        ours.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state-" + prefix).toString());
        ours.put(ExplainerConfig.INSTANCE_ID_CONFIG, "secure");
        ours.put(ExplainerConfig.TOPIC_IMAGES_CONFIG, prefix + "images");
        ours.put(ExplainerConfig.TOPIC_EXPLANATIONS_CONFIG, prefix + "explanations");
        ours.put(ExplainerConfig.TOPIC_DEAD_LETTERS_CONFIG, prefix + "dlq");
        ours.put(ExplainerConfig.TOPIC_METRICS_CONFIG, prefix + "metrics");
        ours.put(ExplainerConfig.TOPIC_MODELS_CONFIG, prefix + "models");
        ours.put(ExplainerConfig.TOPIC_IMAGES_PARTITIONS_CONFIG, "3");
        ours.put(ExplainerConfig.TOPIC_PARTITIONS_CONFIG, "3");
        ours.putAll(overrides);
        ours.forEach(properties::setProperty);
        Path file = dir.resolve(prefix + "explain.properties");
        try (OutputStream out = Files.newOutputStream(file)) {
            properties.store(out, "otnn explain --config");
        }
        return file;
    }

    private static void createTopics(String prefix) throws Exception {
        try (Admin admin = Admin.create(stack.clientProperties())) {
            List<NewTopic> topics = new ArrayList<>();
            for (String name : List.of("images", "explanations", "dlq", "metrics", "models")) {
                topics.add(new NewTopic(prefix + name, name.equals("models") ? 1 : 3, (short) 1));
            }
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
