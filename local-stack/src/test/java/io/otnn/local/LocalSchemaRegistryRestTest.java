package io.otnn.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The registry's REST API over real HTTP, checked against Confluent's documented answers. */
class LocalSchemaRegistryRestTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String V1 = "{\"type\":\"record\",\"name\":\"Point\",\"namespace\":\"t\","
            + "\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}";
    private static final String V2_OPTIONAL = "{\"type\":\"record\",\"name\":\"Point\",\"namespace\":\"t\","
            + "\"fields\":[{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"y\",\"type\":\"int\",\"default\":0}]}";
    private static final String V2_REQUIRED = "{\"type\":\"record\",\"name\":\"Point\",\"namespace\":\"t\","
            + "\"fields\":[{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"z\",\"type\":\"int\"}]}";

    private static LocalStack stack;

    @BeforeAll
    static void startStack() {
        stack = LocalStack.start();
    }

    @AfterAll
    static void stopStack() {
        stack.close();
    }

    @Test
    void shouldReturnSameIdWhenSameSchemaIsRegisteredTwice() throws Exception {
        int first = post("/subjects/same-value/versions", body(V1)).path("id").asInt();
        int second = post("/subjects/same-value/versions", body(V1)).path("id").asInt();
        int otherSubject =
                post("/subjects/other-value/versions", body(V1)).path("id").asInt();
        assertThat(first).isPositive().isEqualTo(second).isEqualTo(otherSubject);
        assertThat(get("/subjects/same-value/versions").toString()).isEqualTo("[1]");
        JsonNode latest = get("/subjects/same-value/versions/latest");
        assertThat(latest.path("id").asInt()).isEqualTo(first);
        assertThat(latest.path("version").asInt()).isEqualTo(1);
        assertThat(get("/schemas/ids/" + first).path("schema").asText()).contains("\"Point\"");
        assertThat(post("/subjects/same-value", body(V1)).path("version").asInt())
                .isEqualTo(1);
    }

    @Test
    void shouldRefuseIncompatibleSchemaWith409WhenBackwardIsDefault() throws Exception {
        post("/subjects/evolve-value/versions", body(V1));
        HttpResponse<String> refused = send("POST", "/subjects/evolve-value/versions", body(V2_REQUIRED));
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(refused.body()).path("error_code").asInt()).isEqualTo(409);
        assertThat(JSON.readTree(refused.body()).path("message").asText()).contains("incompatible", "evolve-value");
        assertThat(post("/compatibility/subjects/evolve-value/versions/latest", body(V2_OPTIONAL))
                        .path("is_compatible")
                        .asBoolean())
                .isTrue();
        assertThat(post("/subjects/evolve-value/versions", body(V2_OPTIONAL))
                        .path("id")
                        .asInt())
                .isPositive();
        assertThat(get("/subjects/evolve-value/versions").toString()).isEqualTo("[1,2]");
    }

    @Test
    void shouldAnswerConfluentErrorCodesWhenRequestIsWrong() throws Exception {
        assertError(send("GET", "/subjects/missing/versions", null), 404, 40401);
        post("/subjects/codes-value/versions", body(V1));
        assertError(send("GET", "/subjects/codes-value/versions/7", null), 404, 40402);
        assertError(send("GET", "/subjects/codes-value/versions/zero", null), 422, 42202);
        assertError(send("GET", "/schemas/ids/999999", null), 404, 40403);
        assertError(send("POST", "/subjects/codes-value/versions", body("{\"type\":\"recordz\"}")), 422, 42201);
        assertError(send("POST", "/subjects/codes-value", body(V2_OPTIONAL)), 404, 40403);
        assertError(send("GET", "/config/codes-value", null), 404, 40408);
    }

    @Test
    void shouldAllowIncompatibleChangeWhenSubjectLevelIsNone() throws Exception {
        post("/subjects/free-value/versions", body(V1));
        JsonNode put = put("/config/free-value", "{\"compatibility\":\"NONE\"}");
        assertThat(put.path("compatibility").asText()).isEqualTo("NONE");
        assertThat(get("/config/free-value").path("compatibilityLevel").asText())
                .isEqualTo("NONE");
        assertThat(get("/config").path("compatibilityLevel").asText()).isEqualTo("BACKWARD");
        assertThat(post("/subjects/free-value/versions", body(V2_REQUIRED))
                        .path("id")
                        .asInt())
                .isPositive();
        assertThat(send("DELETE", "/subjects/free-value", null).body()).isEqualTo("[1,2]");
        assertError(send("GET", "/subjects/free-value/versions", null), 404, 40401);
    }

    @Test
    void shouldKeepIdsAndConfigWhenRegistryAloneRestartsAgainstSameBroker() throws Exception {
        // a registry of its own (own topic), so that the shared one's state is not disturbed
        String topic = "_schemas_restart_test";
        int id;
        try (LocalSchemaRegistry first = LocalSchemaRegistry.start(stack.bootstrapServers(), 0, topic)) {
            post(first.url(), "/subjects/other-value/versions", body(V2_REQUIRED));
            id = post(first.url(), "/subjects/restart-value/versions", body(V1))
                    .path("id")
                    .asInt();
            ok(send(first.url(), "PUT", "/config/restart-value", "{\"compatibility\":\"FULL\"}"));
        }
        try (LocalSchemaRegistry again = LocalSchemaRegistry.start(stack.bootstrapServers(), 0, topic)) {
            assertThat(ok(send(again.url(), "GET", "/subjects/restart-value/versions/latest", null))
                            .path("id")
                            .asInt())
                    .isEqualTo(id);
            assertThat(ok(send(again.url(), "GET", "/config/restart-value", null))
                            .path("compatibilityLevel")
                            .asText())
                    .isEqualTo("FULL");
            int next = post(again.url(), "/subjects/new-value/versions", body(V2_OPTIONAL))
                    .path("id")
                    .asInt();
            assertThat(next).isGreaterThan(id);
            assertThat(again.requestCount("GET", "/subjects/restart-value")).isEqualTo(1);
            assertThat(again.requestCount("POST", "/subjects/")).isEqualTo(1);
        }
    }

    @Test
    void shouldAnswer42203WhenCompatibilityLevelIsUnknown() throws Exception {
        post("/subjects/levels-value/versions", body(V1));
        assertError(send("PUT", "/config/levels-value", "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);
        assertError(send("PUT", "/config", "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);
        assertThat(get("/config").path("compatibilityLevel").asText()).isEqualTo("BACKWARD");
    }

    @Test
    void shouldAnswer50001AndKeepNoTraceWhenSchemaTopicRefusesTheWrite() throws Exception {
        // a schema topic whose records may not exceed 300 bytes: the broker refuses the registration's record
        String topic = "_schemas_tiny_records";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)
                            .configs(Map.of(
                                    TopicConfig.CLEANUP_POLICY_CONFIG,
                                    TopicConfig.CLEANUP_POLICY_COMPACT,
                                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                                    "300"))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        String large = "{\"type\":\"record\",\"name\":\"Large\",\"namespace\":\"t\",\"doc\":\"" + "x".repeat(2_000)
                + "\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}";
        try (LocalSchemaRegistry registry = LocalSchemaRegistry.start(stack.bootstrapServers(), 0, topic)) {
            HttpResponse<String> refused = send(registry.url(), "POST", "/subjects/large-value/versions", body(large));
            assertError(refused, 500, 50001);
            assertThat(JSON.readTree(refused.body()).path("message").asText()).contains(topic);
            assertError(send(registry.url(), "GET", "/subjects/large-value/versions", null), 404, 40401);
        }
    }

    private static void assertError(HttpResponse<String> response, int status, int code) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(JSON.readTree(response.body()).path("error_code").asInt()).isEqualTo(code);
        assertThat(response.headers().firstValue("Content-Type")).contains(LocalSchemaRegistry.CONTENT_TYPE);
    }

    private static String body(String schema) throws Exception {
        return JSON.createObjectNode().put("schema", schema).toString();
    }

    private static JsonNode get(String path) throws Exception {
        return ok(send("GET", path, null));
    }

    private static JsonNode post(String path, String body) throws Exception {
        return ok(send("POST", path, body));
    }

    private static JsonNode post(String baseUrl, String path, String body) throws Exception {
        return ok(send(baseUrl, "POST", path, body));
    }

    private static JsonNode put(String path, String body) throws Exception {
        return ok(send("PUT", path, body));
    }

    private static JsonNode ok(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> send(String method, String path, String body) throws Exception {
        return send(stack.schemaRegistryUrl(), method, path, body);
    }

    private static HttpResponse<String> send(String baseUrl, String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", LocalSchemaRegistry.CONTENT_TYPE)
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
