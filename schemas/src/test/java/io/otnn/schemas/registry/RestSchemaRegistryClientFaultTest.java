package io.otnn.schemas.registry;

import static io.otnn.schemas.registry.ScriptedRegistry.error;
import static io.otnn.schemas.registry.ScriptedRegistry.latest;
import static io.otnn.schemas.registry.ScriptedRegistry.schema;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The REST client against real HTTP servers made to fail: retries, back-off, fail-over, timeouts, credentials, TTL. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RestSchemaRegistryClientFaultTest {

    private static final String STRING_SCHEMA = "\"string\"";

    private static RestSchemaRegistryClient client(String urls, Object... keyValues) {
        Map<String, Object> props = new HashMap<>();
        props.put(SchemaRegistryClientConfig.URL_CONFIG, urls);
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put((String) keyValues[i], keyValues[i + 1]);
        }
        return RestSchemaRegistryClient.fromConfig(props);
    }

    @Test
    void shouldRetryWithDoublingBackoffAndSucceedWhenRegistryFailsThreeTimesThenAnswers() throws Exception {
        try (ScriptedRegistry server = ScriptedRegistry.http(
                (request, n, s) -> n < 3 ? error(503, 50301, "not ready") : schema(STRING_SCHEMA))) {
            RestSchemaRegistryClient client = client(
                    server.url(),
                    SchemaRegistryClientConfig.MAX_RETRIES_CONFIG,
                    3,
                    SchemaRegistryClientConfig.RETRY_BACKOFF_MS_CONFIG,
                    100,
                    SchemaRegistryClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG,
                    1_000);
            assertThat(client.getSchemaById(7)).isEqualTo(Schema.create(Schema.Type.STRING));
            List<ScriptedRegistry.Request> requests = server.requests();
            assertThat(requests).hasSize(4).allSatisfy(r -> assertThat(r.path()).isEqualTo("/schemas/ids/7"));
            // the client waits at least 100, 200 and 400 ms before the 2nd, 3rd and 4th attempts
            long[] minimumGapsMs = {100, 200, 400};
            for (int i = 0; i < minimumGapsMs.length; i++) {
                long gapMs = (requests.get(i + 1).nanos() - requests.get(i).nanos()) / 1_000_000;
                assertThat(gapMs).as("pause before attempt %d", i + 2).isGreaterThanOrEqualTo(minimumGapsMs[i]);
            }
        }
    }

    @Test
    void shouldCapTheBackoffAtItsMaximumWhenItDoubles() {
        long backoff = 100;
        long[] expected = {200, 400, 800, 1_000, 1_000};
        for (long next : expected) {
            backoff = RestSchemaRegistryClient.nextBackoff(backoff, 1_000);
            assertThat(backoff).isEqualTo(next);
        }
        assertThat(RestSchemaRegistryClient.nextBackoff(0, 1_000)).isEqualTo(1);
    }

    @Test
    void shouldGiveUpAfterMaxRetriesWhenRegistryKeepsAnswering500() throws Exception {
        try (ScriptedRegistry server = ScriptedRegistry.http((request, n, s) -> error(500, 50001, "store down"))) {
            RestSchemaRegistryClient client = client(
                    server.url(),
                    SchemaRegistryClientConfig.MAX_RETRIES_CONFIG,
                    2,
                    SchemaRegistryClientConfig.RETRY_BACKOFF_MS_CONFIG,
                    10);
            assertThatThrownBy(() -> client.getSchemaById(7))
                    .isInstanceOf(SchemaRegistryUnavailableException.class)
                    .hasMessageContaining("after 3 attempt(s)")
                    .hasMessageContaining("HTTP 500")
                    .hasMessageContaining("store down");
            assertThat(server.requests()).hasSize(3);
        }
    }

    @Test
    void shouldNotRetryWhenClientErrorIsAnswered() throws Exception {
        try (ScriptedRegistry server =
                ScriptedRegistry.http((request, n, s) -> error(404, 40403, "Schema 7 not found"))) {
            RestSchemaRegistryClient client = client(server.url(), SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 3);
            assertThatThrownBy(() -> client.getSchemaById(7)).isInstanceOf(SchemaNotFoundException.class);
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void shouldNotRetryWhenRequestTimesOut() throws Exception {
        try (ScriptedRegistry server = ScriptedRegistry.http((request, n, s) -> {
            s.hang();
            return schema(STRING_SCHEMA);
        })) {
            RestSchemaRegistryClient client = client(
                    server.url(),
                    SchemaRegistryClientConfig.MAX_RETRIES_CONFIG,
                    3,
                    SchemaRegistryClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                    300);
            assertThatThrownBy(() -> client.getSchemaById(7))
                    .isInstanceOf(SchemaRegistryUnavailableException.class)
                    .hasMessageContaining("did not answer GET /schemas/ids/7 within 300 ms");
            // a retry would have been sent before the exception was thrown
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void shouldFailOverToSecondUrlWhenFirstRefusesConnections() throws Exception {
        int closed = closedPort();
        try (ScriptedRegistry server = ScriptedRegistry.http((request, n, s) -> schema(STRING_SCHEMA))) {
            RestSchemaRegistryClient client = client(
                    "http://127.0.0.1:" + closed + "," + server.url(),
                    SchemaRegistryClientConfig.MAX_RETRIES_CONFIG,
                    1,
                    SchemaRegistryClientConfig.RETRY_BACKOFF_MS_CONFIG,
                    10);
            assertThat(client.getSchemaById(1)).isEqualTo(Schema.create(Schema.Type.STRING));
            // one retry was enough: it went to the second URL, and the next call starts there
            assertThat(client.getSchemaById(2)).isEqualTo(Schema.create(Schema.Type.STRING));
            assertThat(server.requests())
                    .extracting(ScriptedRegistry.Request::path)
                    .containsExactly("/schemas/ids/1", "/schemas/ids/2");
        }
    }

    @Test
    void shouldFailOverToSecondUrlWhenFirstAnswers503() throws Exception {
        try (ScriptedRegistry sick = ScriptedRegistry.http((request, n, s) -> error(503, 50003, "follower"));
                ScriptedRegistry healthy = ScriptedRegistry.http((request, n, s) -> schema(STRING_SCHEMA))) {
            RestSchemaRegistryClient client = client(
                    sick.url() + "," + healthy.url(),
                    SchemaRegistryClientConfig.MAX_RETRIES_CONFIG,
                    1,
                    SchemaRegistryClientConfig.RETRY_BACKOFF_MS_CONFIG,
                    10);
            assertThat(client.getSchemaById(3)).isEqualTo(Schema.create(Schema.Type.STRING));
            assertThat(sick.requests()).hasSize(1);
            assertThat(healthy.requests()).hasSize(1);
        }
    }

    @Test
    void shouldSendBasicAuthHeaderWhenUserInfoIsConfigured() throws Exception {
        String expected = "Basic "
                + Base64.getEncoder().encodeToString("reader:s3cret:with:colons".getBytes(StandardCharsets.UTF_8));
        try (ScriptedRegistry server = ScriptedRegistry.http((request, n, s) ->
                expected.equals(request.authorization()) ? schema(STRING_SCHEMA) : error(401, 401, "Unauthorized"))) {
            RestSchemaRegistryClient client = client(
                    server.url(), SchemaRegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG, "reader:s3cret:with:colons");
            assertThat(client.getSchemaById(1)).isEqualTo(Schema.create(Schema.Type.STRING));
            assertThat(server.requests())
                    .extracting(ScriptedRegistry.Request::authorization)
                    .containsExactly(expected);
        }
    }

    @Test
    void shouldTakeCredentialsFromUrlAndNotSendThemInThePathWhenSourceIsUrl() throws Exception {
        String expected = "Basic " + Base64.getEncoder().encodeToString("alice:pw".getBytes(StandardCharsets.UTF_8));
        try (ScriptedRegistry server = ScriptedRegistry.http((request, n, s) ->
                expected.equals(request.authorization()) ? schema(STRING_SCHEMA) : error(401, 401, "Unauthorized"))) {
            String withCredentials = server.url().replace("http://", "http://alice:pw@");
            RestSchemaRegistryClient client = client(
                    withCredentials,
                    SchemaRegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG,
                    "URL",
                    SchemaRegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG,
                    "ignored:ignored");
            assertThat(client.getSchemaById(1)).isEqualTo(Schema.create(Schema.Type.STRING));
            assertThat(SchemaRegistryClientConfig.from(Map.of(SchemaRegistryClientConfig.URL_CONFIG, withCredentials))
                            .urls())
                    .containsExactly(server.url());
            assertThat(server.requests()).singleElement().satisfies(r -> {
                assertThat(r.authorization()).isEqualTo(expected);
                assertThat(r.path()).doesNotContain("alice");
            });
        }
    }

    @Test
    void shouldFailAtOnceWithClearErrorAndNoPasswordWhenCredentialsAreRefused() throws Exception {
        try (ScriptedRegistry server = ScriptedRegistry.http((request, n, s) -> error(401, 401, "Unauthorized"))) {
            RestSchemaRegistryClient client = client(
                    server.url(),
                    SchemaRegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG,
                    "reader:wrong-password",
                    SchemaRegistryClientConfig.MAX_RETRIES_CONFIG,
                    3);
            assertThatThrownBy(() -> client.getSchemaById(1))
                    .isInstanceOf(SchemaRegistryException.class)
                    .isNotInstanceOf(SchemaRegistryUnavailableException.class)
                    .hasMessageStartingWith("the schema registry refused the credentials (basic.auth.user.info")
                    .hasMessageContaining("HTTP 401")
                    .hasMessageNotContaining("wrong-password")
                    .extracting(e -> ((SchemaRegistryException) e).status())
                    .isEqualTo(401);
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void shouldRefetchLatestVersionOnlyAfterTtlWhenLatestCacheTtlIsSet() throws Exception {
        try (ScriptedRegistry server = ScriptedRegistry.http((request, n, s) -> {
            // each answer is a newer version: the registry evolves while the clients cache
            String subject = request.path().split("/")[2];
            return latest(subject, n + 1, 100 + n, STRING_SCHEMA);
        })) {
            RestSchemaRegistryClient withTtl =
                    client(server.url(), SchemaRegistryClientConfig.LATEST_CACHE_TTL_SEC_CONFIG, 1);
            RestSchemaRegistryClient forever = client(server.url());
            String ttlPath = "/subjects/ttl-value/versions/latest";
            String foreverPath = "/subjects/forever-value/versions/latest";

            int firstTtl = withTtl.getLatestSchemaMetadata("ttl-value").version();
            int firstForever = forever.getLatestSchemaMetadata("forever-value").version();
            assertThat(withTtl.getLatestSchemaMetadata("ttl-value").version()).isEqualTo(firstTtl);
            assertThat(server.count("GET", ttlPath)).isEqualTo(1);

            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            int refreshed = firstTtl;
            while (refreshed == firstTtl && System.nanoTime() < deadline) {
                refreshed = withTtl.getLatestSchemaMetadata("ttl-value").version();
                Thread.sleep(20); // polling pause of a bounded wait on a condition
            }
            assertThat(refreshed).as("the TTL client sees a newer version").isGreaterThan(firstTtl);
            List<ScriptedRegistry.Request> ttlRequests = server.requests().stream()
                    .filter(r -> r.path().equals(ttlPath))
                    .toList();
            assertThat(ttlRequests).hasSize(2);
            assertThat(ttlRequests.get(1).nanos() - ttlRequests.get(0).nanos())
                    .as("not refetched before the TTL")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(1).toNanos());
            // more than the TTL has passed: the default client (-1) still answers from its cache
            assertThat(forever.getLatestSchemaMetadata("forever-value").version())
                    .isEqualTo(firstForever);
            assertThat(server.count("GET", foreverPath)).isEqualTo(1);
        }
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
