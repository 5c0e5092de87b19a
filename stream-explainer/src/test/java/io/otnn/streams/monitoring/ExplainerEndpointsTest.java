package io.otnn.streams.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.explain.input.RejectionKind;
import io.otnn.explain.testing.Fixtures;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.Topics;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.testing.EmbeddedPipelineExtension;
import io.otnn.streams.testing.KafkaTestClients;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The explainer's HTTP endpoints on the real broker and registry with the real engine: readiness through the
 * app's life, each of our meters against what a read_committed consumer reads back, the text format, loopback,
 * methods.
 */
class ExplainerEndpointsTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The dashboard that docker/ provisions in Grafana (the tests run in the module's directory). */
    private static final Path DASHBOARD = Path.of("..", "docker", "grafana", "dashboards", "otnn-explainer.json");

    @RegisterExtension
    static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withEngine();

    @TempDir
    Path stateDir;

    private Map<String, Object> props(String name) {
        String run = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> props = pipeline.explainerProps(run, run + "-", stateDir);
        props.put(ExplainerConfig.HTTP_PORT_CONFIG, 0);
        return props;
    }

    @Test
    void shouldBeReadyOnlyWhileTheModelIsLoadedAndKafkaStreamsRunsWhenTheAppStartsAndCloses() throws Exception {
        Map<String, Object> props = props("ready");
        props.put(ExplainerConfig.MODEL_CONFIG, Fixtures.denseMnist().toString());
        Monitoring monitoring = Monitoring.start(new ExplainerConfig(props));
        URI url = monitoring.url().orElseThrow();
        try {
            assertThat(Http.get(url, "/health/live").statusCode()).isEqualTo(200);
            HttpResponse<String> beforeModel = Http.get(url, "/health/ready");
            assertThat(beforeModel.statusCode()).isEqualTo(503);
            assertThat(beforeModel.body()).contains("the model is not loaded yet");

            // the builder loads the real checkpoint itself
            StreamExplainerApp app = StreamExplainerApp.builder()
                    .setProperties(props)
                    .optMonitoring(monitoring)
                    .build();
            try {
                HttpResponse<String> created = Http.get(url, "/health/ready");
                assertThat(created.statusCode()).isEqualTo(503);
                assertThat(created.body()).contains("Kafka Streams is CREATED");

                app.start();
                assertThat(app.awaitRunning(WAIT)).isTrue();
                assertThat(await(() -> Http.get(url, "/health/ready"), r -> r.statusCode() == 200)
                                .body())
                        .isEqualTo("ready\n");
                assertThat(Http.get(url, "/health/live").statusCode()).isEqualTo(200);
            } finally {
                app.close();
            }
            HttpResponse<String> closed = Http.get(url, "/health/ready");
            assertThat(closed.statusCode()).isEqualTo(503);
            assertThat(closed.body()).contains("stopping or stopped");
            assertThat(Http.get(url, "/health/live").statusCode()).isEqualTo(200);
        } finally {
            monitoring.close();
        }
        assertThatThrownBy(() -> Http.get(url, "/health/live")).isInstanceOf(ConnectException.class);
    }

    @Test
    void shouldCountWhatAReadCommittedConsumerReadsBackWhenImagesAndBadRecordsAreExplained() throws Exception {
        Map<String, Object> props = props("meters");
        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(pipeline.engine())
                .build()
                .start()) {
            assertThat(app.awaitRunning(WAIT)).isTrue();
            URI url = app.monitoring().url().orElseThrow();
            PrometheusText before = Http.scrape(url);
            assertThat(before.value("otnn_explained_images_total")).isZero();
            for (RejectionKind kind : RejectionKind.values()) {
                assertThat(before.value("otnn_dead_letters_total", Map.of("kind", kind.name())))
                        .isZero();
            }

            Topics topics = app.topics();
            String bootstrap = pipeline.stack().bootstrapServers();
            KafkaTestClients.awaitLeaders(bootstrap, topics.images().name(), 6);
            Map<String, ImageInput> sent = KafkaTestClients.sendRandomImages(
                    bootstrap, pipeline.format(), topics.images().name(), 400, "img-%04d", new Random(7), true);
            int bad = sendBadRecords(bootstrap, topics.images().name());

            List<ConsumerRecord<String, Explanation>> explained = KafkaTestClients.readCommitted(
                    bootstrap, topics.explanations(), read -> read.size() >= sent.size(), WAIT, Duration.ofSeconds(1));
            List<ConsumerRecord<String, DeadLetter>> dead = KafkaTestClients.readCommitted(
                    bootstrap, topics.deadLetters(), read -> read.size() >= bad, WAIT, Duration.ofSeconds(1));
            assertThat(explained).hasSize(sent.size());
            assertThat(dead).hasSize(bad);

            List<Explanation> explanations =
                    explained.stream().map(ConsumerRecord::value).toList();
            Map<String, Long> deadByKind = dead.stream()
                    .collect(Collectors.groupingBy(r -> r.value().getRejectionKind(), Collectors.counting()));
            assertThat(deadByKind).containsOnlyKeys("UNDESERIALISABLE", "EMPTY_VALUE", "WRONG_SHAPE");

            PrometheusText after =
                    await(() -> Http.scrape(url), m -> m.value("otnn_explained_images_total") >= explanations.size());
            assertThat(after.value("otnn_explained_images_total")).isEqualTo(explanations.size());
            for (RejectionKind kind : RejectionKind.values()) {
                assertThat(after.value("otnn_dead_letters_total", Map.of("kind", kind.name())))
                        .as(kind.name())
                        .isEqualTo(deadByKind.getOrDefault(kind.name(), 0L).doubleValue());
            }

            // certificate: count, sum and every bucket against the explanations read back
            assertThat(after.value("otnn_certificate_count")).isEqualTo(explanations.size());
            double certificates = explanations.stream()
                    .mapToDouble(e -> e.getCertificate().getRadius())
                    .sum();
            assertThat(after.value("otnn_certificate_sum")).isCloseTo(certificates, within(1e-9 * explanations.size()));
            for (double bound : MicrometerMeters.CERTIFICATE_BUCKETS) {
                long atMost = explanations.stream()
                        .filter(e -> e.getCertificate().getRadius() <= bound)
                        .count();
                assertThat(after.value(
                                "otnn_certificate_bucket", Map.of("le", le(after, "otnn_certificate_bucket", bound))))
                        .as("le=" + bound)
                        .isEqualTo(atMost);
            }

            // queue time: each explanation's queuedMs
            assertThat(after.value("otnn_queue_time_seconds_count")).isEqualTo(explanations.size());
            double queued = explanations.stream()
                            .mapToLong(e -> (long) e.getTimings().getQueuedMs())
                            .sum()
                    / 1000.0;
            assertThat(after.value("otnn_queue_time_seconds_sum")).isCloseTo(queued, within(1e-6));

            // batches: every image went through exactly one model call (no call failed), and each explanation
            // carries its call's size and duration, the same for every image of that call
            double calls = explanations.stream()
                    .mapToDouble(e -> 1.0 / e.getBatchSize())
                    .sum();
            assertThat(after.value("otnn_batch_size_sum")).isEqualTo(explanations.size());
            assertThat(after.value("otnn_batch_size_count")).isCloseTo(calls, within(1e-6));
            assertThat(after.value("otnn_model_time_seconds_count")).isEqualTo(after.value("otnn_batch_size_count"));
            double modelSeconds = explanations.stream()
                            .mapToDouble(e -> e.getTimings().getModelMs() / e.getBatchSize())
                            .sum()
                    / 1000;
            // the meter times the engine call alone; the explanation's modelMs also holds the check of its results
            assertThat(after.value("otnn_model_time_seconds_sum"))
                    .isLessThanOrEqualTo(modelSeconds + 1e-6)
                    .isGreaterThan(0.5 * modelSeconds);
            assertThat(after.value("otnn_batch_size_max"))
                    .isEqualTo(explanations.stream()
                            .mapToInt(Explanation::getBatchSize)
                            .max()
                            .orElseThrow());

            // Kafka Streams' and its clients' metrics (the binder looks for new ones every few seconds), the JVM's
            PrometheusText kafka = await(
                    () -> Http.scrape(url), m -> m.sampleNames().contains("kafka_stream_thread_commit_latency_avg"));
            assertThat(kafka.sampleNames())
                    .contains(
                            "kafka_stream_thread_process_rate",
                            "kafka_consumer_fetch_manager_records_lag_max",
                            "jvm_memory_used_bytes",
                            "process_cpu_usage",
                            "jvm_threads_live_threads",
                            "process_uptime_seconds");
        }
    }

    @Test
    void shouldBindLoopbackAndAnswerGetOnlyWhenNoBindAddressIsConfigured() throws Exception {
        Map<String, Object> props = new HashMap<>(pipeline.explainerProps("http", stateDir));
        assertThat(Monitoring.start(new ExplainerConfig(props)).url())
                .as("off without http.port")
                .isEmpty();

        props.put(ExplainerConfig.HTTP_PORT_CONFIG, 0);
        try (Monitoring monitoring = Monitoring.start(new ExplainerConfig(props))) {
            URI url = monitoring.url().orElseThrow();
            assertThat(url.getHost()).isEqualTo("127.0.0.1");
            for (String path : List.of("/metrics", "/health/live", "/health/ready")) {
                for (String method : List.of("POST", "PUT", "DELETE")) {
                    HttpResponse<String> refused = Http.send(url, path, method);
                    assertThat(refused.statusCode()).as(method + " " + path).isEqualTo(405);
                    assertThat(refused.headers().firstValue("Allow")).hasValue("GET");
                }
            }
            assertThat(Http.get(url, "/health").statusCode()).isEqualTo(404);
            assertThat(Http.get(url, "/metrics/extra").statusCode()).isEqualTo(404);
            HttpResponse<String> metrics = Http.get(url, "/metrics");
            assertThat(metrics.headers().firstValue("Content-Type")).hasValue(Monitoring.TEXT_FORMAT);

            List<InetAddress> others = new ArrayList<>();
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                Collections.list(nic.getInetAddresses()).stream()
                        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                        .forEach(others::add);
            }
            assertThat(others)
                    .as("this machine has a non-loopback address to try")
                    .isNotEmpty();
            for (InetAddress other : others) {
                assertThatThrownBy(() -> {
                            try (Socket socket = new Socket()) {
                                socket.connect(new InetSocketAddress(other, url.getPort()), 2_000);
                            }
                        })
                        .as("connect to " + other)
                        .isInstanceOf(ConnectException.class);
            }
        }
    }

    @Test
    void shouldQueryOnlyMetricsThatTheExplainerExposesWhenGrafanaDrawsTheDashboard() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<String> queries = new ArrayList<>();
        dashboard
                .findValues("targets")
                .forEach(targets ->
                        targets.forEach(t -> queries.add(t.get("expr").asText())));
        assertThat(queries).hasSizeGreaterThanOrEqualTo(15);

        Map<String, Object> props = props("dashboard");
        try (StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(pipeline.engine())
                .build()
                .start()) {
            assertThat(app.awaitRunning(WAIT)).isTrue();
            URI url = app.monitoring().url().orElseThrow();
            KafkaTestClients.awaitLeaders(
                    pipeline.stack().bootstrapServers(), app.topics().images().name(), 6);
            KafkaTestClients.sendRandomImages(
                    pipeline.stack().bootstrapServers(),
                    pipeline.format(),
                    app.topics().images().name(),
                    50,
                    "img-%02d",
                    new Random(3),
                    false);
            PrometheusText scrape = await(
                    () -> Http.scrape(url),
                    m -> m.value("otnn_explained_images_total") >= 50
                            && m.sampleNames().contains("kafka_stream_thread_commit_latency_avg")
                            && m.sampleNames().contains("kafka_consumer_fetch_manager_records_lag_max"));
            for (String query : queries) {
                Set<String> names = PromQlMetricNames.of(query);
                assertThat(names).as(query).isNotEmpty();
                for (String name : names) {
                    assertThat(exposes(scrape, name)).as(name + " in " + query).isTrue();
                }
            }
        }
    }

    /**
     * Whether the scrape has samples of this name: a gauge, counter or untyped family by its own name; a
     * {@code _bucket} of a histogram; a {@code _count} or {@code _sum} of a histogram or summary.
     */
    private static boolean exposes(PrometheusText scrape, String name) {
        if (!scrape.sampleNames().contains(name)) {
            return false;
        }
        String type = scrape.types.get(name);
        if (type != null) {
            return !type.equals("histogram") && !type.equals("summary");
        }
        for (String suffix : List.of("_bucket", "_count", "_sum")) {
            if (name.endsWith(suffix)) {
                String family = scrape.types.get(name.substring(0, name.length() - suffix.length()));
                return suffix.equals("_bucket")
                        ? "histogram".equals(family)
                        : "histogram".equals(family) || "summary".equals(family);
            }
        }
        return true;
    }

    /** 3 undeserialisable records, 2 empty values, 2 images of the wrong shape; returns their number. */
    private static int sendBadRecords(String bootstrap, String topic) throws Exception {
        long t = System.currentTimeMillis();
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap)) {
            for (int i = 0; i < 3; i++) {
                sends.add(KafkaTestClients.send(producer, topic, key("garbage-" + i), "not avro".getBytes(), t));
            }
            for (int i = 0; i < 2; i++) {
                sends.add(KafkaTestClients.send(producer, topic, key("empty-" + i), new byte[0], t));
            }
            for (int i = 0; i < 2; i++) {
                String id = "wide-" + i;
                sends.add(KafkaTestClients.send(
                        producer,
                        topic,
                        key(id),
                        pipeline.format()
                                .writeImage(topic, new ImageInput(id, "RAW_U8", 29, 28, 1, new byte[812], null, t)),
                        t));
            }
            producer.flush();
            KafkaTestClients.awaitAll(sends);
        }
        return sends.size();
    }

    private static byte[] key(String id) {
        return id.getBytes(StandardCharsets.UTF_8);
    }

    /** The {@code le} label of the bucket whose bound is {@code bound}, as the scrape spells it. */
    private static String le(PrometheusText scrape, String bucket, double bound) {
        return scrape.samples.stream()
                .filter(s -> s.name().equals(bucket))
                .map(s -> s.labels().get("le"))
                .filter(le -> !le.equals("+Inf") && Double.parseDouble(le) == bound)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no bucket le=" + bound));
    }

    interface Call<T> {
        T call() throws IOException, InterruptedException;
    }

    /** Calls until the answer satisfies {@code done}, for at most a minute (polling every 100 ms). */
    static <T> T await(Call<T> call, Predicate<T> done) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        T last = call.call();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still not there after " + WAIT + ": " + last);
            }
            Thread.sleep(100);
            last = call.call();
        }
        return last;
    }
}
