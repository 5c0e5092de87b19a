package io.otnn.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.otnn.local.security.SecurityMaterial;
import io.otnn.local.security.StackSecurity;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The secure local stack: SASL_SSL (SCRAM) broker and HTTPS registry with basic auth, as real clients see them. */
class SecureLocalStackTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "alice-" + StackSecurity.randomSecret();
    private static final String SCHEMA = "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"P\\\","
            + "\\\"fields\\\":[{\\\"name\\\":\\\"x\\\",\\\"type\\\":\\\"int\\\"}]}\"}";

    private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();
    private static LocalStack stack;
    private static SecurityMaterial security;

    @BeforeAll
    static void startSecureStack() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        LOGS.start();
        root.addAppender(LOGS);
        stack = LocalStack.start(LocalStackConfig.builder()
                .security(StackSecurity.saslSsl()
                        .mechanism("SCRAM-SHA-512")
                        .user("alice", PASSWORD)
                        .user("bob", "bob-" + StackSecurity.randomSecret())
                        .build())
                .build());
        security = stack.security().orElseThrow();
    }

    @AfterAll
    static void stopSecureStack() {
        if (stack != null) {
            stack.close();
        }
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(LOGS);
    }

    @Test
    void shouldProduceAndConsumeOverSaslSslWhenTheClientUsesTheWrittenPropertiesFile() throws Exception {
        Map<String, Object> client = load(security.clientPropertiesFile("bob"));
        assertThat(client)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("bootstrap.servers", stack.bootstrapServers());

        Map<String, Object> producerConfig = new HashMap<>(client);
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("secure-topic", "k", "over TLS")).get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> consumerConfig = new HashMap<>(client);
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "secure-reader");
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> read = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("secure-topic"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (read.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(r.value()));
            }
        }
        assertThat(read).containsExactly("over TLS");
    }

    @Test
    void shouldFailAuthenticationWithinSecondsWhenThePasswordIsWrong() {
        Map<String, Object> client = new HashMap<>(security.kafkaClientProperties("alice", "not-the-password"));
        client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        long start = System.nanoTime();
        try (Admin admin = Admin.create(client)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SaslAuthenticationException.class)
                    .hasMessageContaining("invalid credentials");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void shouldNotAnswerAPlaintextClientWhenTheListenerRequiresSaslSsl() {
        Map<String, Object> plain = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                3_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                2_000);
        try (Admin admin = Admin.create(plain)) {
            assertThatThrownBy(() -> admin.listTopics().names().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
        }
    }

    @Test
    void shouldServeSchemasOverHttpsOnlyToAKnownUserWhenSecure() throws Exception {
        assertThat(stack.schemaRegistryUrl()).startsWith("https://127.0.0.1:");
        HttpClient https = HttpClient.newBuilder()
                .sslContext(trusting(security.trustStore(), security.trustStorePassword()))
                .build();

        HttpResponse<String> registered = https.send(
                request("/subjects/secure-value/versions", "alice:" + PASSWORD)
                        .POST(HttpRequest.BodyPublishers.ofString(SCHEMA))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
        int id = JSON.readTree(registered.body()).path("id").asInt();
        assertThat(id).isPositive();

        stack.registry().resetRequestCounts();
        for (String userInfo : new String[] {null, "alice:wrong", "mallory:" + PASSWORD, "alice"}) {
            HttpResponse<String> refused = https.send(
                    request("/schemas/ids/" + id, userInfo).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as(String.valueOf(userInfo)).isEqualTo(401);
            JsonNode error = JSON.readTree(refused.body());
            assertThat(error.path("error_code").asInt()).isEqualTo(40101);
            assertThat(error.path("message").asText()).contains("Unauthorized", "basic authentication");
            assertThat(refused.headers().firstValue("WWW-Authenticate"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        }
        assertThat(stack.registry().requestCount("GET", "/schemas/ids/")).isEqualTo(4);

        HttpResponse<String> allowed = https.send(
                request("/schemas/ids/" + id, "alice:" + PASSWORD).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(allowed.body()).path("schema").asText()).contains("\"P\"");

        // the port speaks TLS only
        String plainUrl = stack.schemaRegistryUrl().replace("https://", "http://");
        HttpClient plain =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> plain.send(
                        HttpRequest.newBuilder(URI.create(plainUrl + "/subjects"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(java.io.IOException.class);
    }

    @Test
    void shouldKeepSecretsInOwnerOnlyFilesAndOutOfTheLogsWhenSecure() throws Exception {
        for (Path file : List.of(
                security.clientPropertiesFile("alice"),
                security.trustStore(),
                security.dir().resolve(SecurityMaterial.SERVER_KEY_STORE_FILE))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .as(file.toString())
                    .isEqualTo("rw-------");
        }
        assertThat(Files.readString(security.clientPropertiesFile("alice"), StandardCharsets.UTF_8))
                .contains(PASSWORD);
        List<String> secrets = List.of(
                PASSWORD,
                security.trustStorePassword(),
                security.security().users().get("bob"));
        assertThat(LOGS.list).isNotEmpty();
        assertThat(LOGS.list).allSatisfy(event -> {
            String text = event.getFormattedMessage()
                    + (event.getThrowableProxy() == null
                            ? ""
                            : event.getThrowableProxy().getMessage());
            secrets.forEach(secret -> assertThat(text).doesNotContain(secret));
        });
        assertThat(security.toString()).doesNotContain(PASSWORD);
        assertThat(security.security().toString()).doesNotContain(PASSWORD);
    }

    @Test
    void shouldKeepTopicsAndLetUsersInWithNewPasswordsWhenRestartedSecureOnTheSameDataDir(@TempDir Path dir)
            throws Exception {
        LocalStackConfig first = LocalStackConfig.builder()
                .dataDir(dir)
                .security(StackSecurity.saslSsl().mechanism("SCRAM-SHA-256").build())
                .build();
        try (LocalStack secure = LocalStack.start(first)) {
            Map<String, Object> client =
                    load(secure.security().orElseThrow().clientPropertiesFile(StackSecurity.DEFAULT_USER));
            try (KafkaProducer<String, String> producer =
                    new KafkaProducer<>(client, new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("kept-secure", "k", "survives"))
                        .get(30, TimeUnit.SECONDS);
            }
        }
        LocalStackConfig second = LocalStackConfig.builder()
                .dataDir(dir)
                .security(StackSecurity.saslSsl().mechanism("SCRAM-SHA-256").build())
                .build();
        assertThat(second.security().orElseThrow().users().get(StackSecurity.DEFAULT_USER))
                .isNotEqualTo(first.security().orElseThrow().users().get(StackSecurity.DEFAULT_USER));
        try (LocalStack secure = LocalStack.start(second)) {
            Map<String, Object> client =
                    load(secure.security().orElseThrow().clientPropertiesFile(StackSecurity.DEFAULT_USER));
            client.put(ConsumerConfig.GROUP_ID_CONFIG, "kept-reader");
            client.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            List<String> read = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer =
                    new KafkaConsumer<>(client, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("kept-secure"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (read.isEmpty() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(r.value()));
                }
            }
            assertThat(read).containsExactly("survives");
        }
    }

    private static HttpRequest.Builder request(String path, String userInfo) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(stack.schemaRegistryUrl() + path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", LocalSchemaRegistry.CONTENT_TYPE);
        if (userInfo != null) {
            builder.header(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
        }
        return builder;
    }

    static SSLContext trusting(Path trustStore, String password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(trustStore)) {
            store.load(in, password.toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    static Map<String, Object> load(Path file) throws Exception {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        }
        Map<String, Object> map = new HashMap<>();
        properties.stringPropertyNames().forEach(n -> map.put(n, properties.getProperty(n)));
        return map;
    }
}
