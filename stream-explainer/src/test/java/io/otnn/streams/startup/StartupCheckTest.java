package io.otnn.streams.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.testing.LinearTestEngine;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up wait through the Java API: {@link StreamExplainerApp#start()} gives up with a one-line
 * {@link StartupException}; registry credentials come from the configuration file or the environment.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class StartupCheckTest {

    private static final String USER_INFO = "explainer:from-a-file";

    @TempDir
    Path dir;

    private HttpServer registry;
    private final List<String> authorizations = new CopyOnWriteArrayList<>();

    /** A registry that answers {@code GET /subjects} to one user only. */
    @BeforeEach
    void startRegistry() throws Exception {
        registry = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String expected = "Basic " + Base64.getEncoder().encodeToString(USER_INFO.getBytes(StandardCharsets.UTF_8));
        registry.createContext("/", exchange -> {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(String.valueOf(authorization));
            boolean allowed = expected.equals(authorization);
            byte[] body = (allowed ? "[]" : "{\"error_code\":401,\"message\":\"Unauthorized\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(allowed ? 200 : 401, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        registry.start();
    }

    @AfterEach
    void stopRegistry() {
        registry.stop(0);
    }

    private String registryUrl() {
        return "http://127.0.0.1:" + registry.getAddress().getPort();
    }

    @Test
    void shouldGiveUpWithOneLineWhenBrokerStaysUnreachableAtStart() throws Exception {
        int closed = closedPort();
        Map<String, Object> props = new HashMap<>();
        props.put(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + closed);
        props.put(ExplainerConfig.FORMAT_CONFIG, "json");
        props.put(ExplainerConfig.STARTUP_TIMEOUT_MS_CONFIG, 1_500);
        props.put("state.dir", dir.toString());
        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(LinearTestEngine.small())
                .build()) {
            assertThatThrownBy(app::start)
                    .isInstanceOf(StartupException.class)
                    .hasMessageStartingWith("gave up waiting for the Kafka cluster at 127.0.0.1:" + closed + " after ")
                    .hasMessageEndingWith("(startup.timeout.ms=1500): connection refused by 127.0.0.1:" + closed)
                    .hasNoCause()
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    @Test
    void shouldSendRegistryCredentialsWhenTheyComeFromTheConfigFile() throws Exception {
        Path file = dir.resolve("explainer.properties");
        Files.writeString(file, "basic.auth.user.info=" + USER_INFO + "\n");
        ExplainerConfig config = ExplainerConfig.load(
                file,
                Map.of(),
                Map.of(
                        ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        "127.0.0.1:1",
                        ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG,
                        registryUrl()));
        StartupCheck.from(config).awaitRegistry(config.originals());
        assertThat(authorizations).hasSize(1);
    }

    @Test
    void shouldSendRegistryCredentialsWhenTheyComeFromTheEnvironment() {
        ExplainerConfig config = ExplainerConfig.load(
                null,
                Map.of("OTNN_KAFKA_BASIC_AUTH_USER_INFO", USER_INFO),
                Map.of(
                        ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        "127.0.0.1:1",
                        ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG,
                        registryUrl()));
        StartupCheck.from(config).awaitRegistry(config.originals());
        assertThat(authorizations).hasSize(1);
    }

    @Test
    void shouldFailAtOnceWithoutRetryingWhenRegistryRefusesTheCredentials() {
        ExplainerConfig config = ExplainerConfig.load(
                null,
                Map.of("OTNN_KAFKA_BASIC_AUTH_USER_INFO", "explainer:wrong-password"),
                Map.of(
                        ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        "127.0.0.1:1",
                        ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG,
                        registryUrl(),
                        ExplainerConfig.STARTUP_TIMEOUT_MS_CONFIG,
                        "60000"));
        assertThatThrownBy(() -> StartupCheck.from(config).awaitRegistry(config.originals()))
                .isInstanceOf(StartupException.class)
                .hasMessage("the schema registry at " + registryUrl() + " refused us: HTTP 401, the credentials were "
                        + "refused (basic.auth.user.info)");
        assertThat(authorizations).hasSize(1);
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
