package io.otnn.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The faults the stream explainer's tests inject: a broker stopped and restarted, a registry unreachable. */
class LocalStackFaultsTest {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final String SCHEMA = "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"P\\\","
            + "\\\"fields\\\":[{\\\"name\\\":\\\"x\\\",\\\"type\\\":\\\"int\\\"}]}\"}";

    @Test
    void shouldKeepTopicsAndPortWhenTheBrokerIsStoppedAndRestarted() throws Exception {
        try (LocalStack stack = LocalStack.start()) {
            EmbeddedKafkaBroker broker = stack.broker();
            String bootstrap = stack.bootstrapServers();
            LocalStackLifecycleTest.roundTrip(bootstrap, "before-stop", "first");

            broker.stop();
            assertThat(broker.isRunning()).isFalse();
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    bootstrap,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                    2_000,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                    1_000))) {
                assertThatThrownBy(() -> admin.describeCluster().nodes().get(5, TimeUnit.SECONDS))
                        .as("no broker answers while stopped")
                        .isInstanceOf(ExecutionException.class);
            }

            broker.restart();
            assertThat(broker.isRunning()).isTrue();
            assertThat(stack.bootstrapServers()).isEqualTo(bootstrap);
            assertThat(LocalStackLifecycleTest.consume(bootstrap, "before-stop", 1))
                    .containsExactly("first");
            try (KafkaProducer<String, String> producer = LocalStackLifecycleTest.producer(bootstrap)) {
                producer.send(new ProducerRecord<>("before-stop", "k", "second"))
                        .get(30, TimeUnit.SECONDS);
            }
            assertThat(LocalStackLifecycleTest.consume(bootstrap, "before-stop", 2))
                    .containsExactly("first", "second");
        }
    }

    @Test
    void shouldRefuseConnectionsAndThenServeTheSameSchemasWhenTheRegistryStopsAndResumesServing() throws Exception {
        try (LocalStack stack = LocalStack.start()) {
            LocalSchemaRegistry registry = stack.registry();
            String url = stack.schemaRegistryUrl();
            HttpResponse<String> registered = HTTP.send(
                    HttpRequest.newBuilder(URI.create(url + "/subjects/p/versions"))
                            .header("Content-Type", LocalSchemaRegistry.CONTENT_TYPE)
                            .POST(HttpRequest.BodyPublishers.ofString(SCHEMA))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(registered.statusCode()).isEqualTo(200);

            registry.stopServing();
            assertThatThrownBy(() -> get(url + "/subjects")).isInstanceOf(ConnectException.class);
            registry.stopServing(); // idempotent

            registry.resumeServing();
            assertThat(registry.url()).isEqualTo(url);
            HttpResponse<String> subjects = get(url + "/subjects");
            assertThat(subjects.statusCode()).isEqualTo(200);
            assertThat(subjects.body()).isEqualTo("[\"p\"]");
            assertThat(get(url + "/subjects/p/versions").body())
                    .isEqualTo(List.of(1).toString());
        }
    }

    @Test
    void shouldHoldRequestsUntilResumedWhenTheRegistryIsPaused() throws Exception {
        try (LocalStack stack = LocalStack.start()) {
            LocalSchemaRegistry registry = stack.registry();
            String url = stack.schemaRegistryUrl();
            registry.pauseServing();
            HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/subjects"))
                    .timeout(Duration.ofSeconds(1))
                    .GET()
                    .build();
            assertThatThrownBy(() -> HTTP.send(request, HttpResponse.BodyHandlers.ofString()))
                    .as("no answer while paused")
                    .isInstanceOf(java.net.http.HttpTimeoutException.class);
            java.util.concurrent.CompletableFuture<HttpResponse<String>> held = HTTP.sendAsync(
                    HttpRequest.newBuilder(URI.create(url + "/subjects")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            registry.resumeServing();
            assertThat(held.get(10, TimeUnit.SECONDS).statusCode())
                    .as("the held request answered")
                    .isEqualTo(200);
            assertThat(get(url + "/subjects").statusCode()).isEqualTo(200);
        }
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
