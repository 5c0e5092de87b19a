package io.otnn.streams.monitoring;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.otnn.streams.ExplainerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The explainer's HTTP endpoints and the meters behind {@code /metrics}:
 * <ul>
 *   <li>{@code GET /health/live}: 200 while the process runs;</li>
 *   <li>{@code GET /health/ready}: 200 when the model is loaded and Kafka Streams is RUNNING, else 503 with the
 *       reason in one line;</li>
 *   <li>{@code GET /metrics}: Prometheus text format (0.0.4): our meters ({@link MicrometerMeters}), Kafka Streams'
 *       and its clients' metrics ({@link KafkaStreamsMetrics}), the JVM's.</li>
 * </ul>
 * Any other method is 405, any other path 404. Off ({@link #off()}: no server, no meters) unless {@code http.port} is
 * set; it binds {@code http.bind}, loopback by default.
 */
public final class Monitoring implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Monitoring.class);

    static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";
    /** How often the Kafka Streams binder looks for metrics that appeared (new threads, tasks, clients). */
    static final Duration KAFKA_METRICS_REFRESH = Duration.ofSeconds(5);

    private final PrometheusMeterRegistry registry;
    private final ExplainerMeters meters;
    private final HttpServer server;
    private final ExecutorService handlers;
    private final ScheduledExecutorService refresher;
    private final JvmGcMetrics gcMetrics;
    private volatile boolean modelLoaded;
    private volatile KafkaStreams streams;
    private volatile boolean stopped;
    private KafkaStreamsMetrics streamsMetrics;

    private Monitoring(PrometheusMeterRegistry registry, HttpServer server) {
        this.registry = registry;
        this.server = server;
        if (registry == null) {
            this.meters = ExplainerMeters.NONE;
            this.handlers = null;
            this.refresher = null;
            this.gcMetrics = null;
            return;
        }
        this.meters = new MicrometerMeters(registry);
        new JvmMemoryMetrics().bindTo(registry);
        this.gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        this.refresher = Executors.newSingleThreadScheduledExecutor(daemon("otnn-metrics-refresh"));
        this.handlers = Executors.newFixedThreadPool(2, daemon("otnn-http"));
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        server.start();
    }

    /** No server and no meters. */
    public static Monitoring off() {
        return new Monitoring(null, null);
    }

    /**
     * Starts the server on {@code http.bind}:{@code http.port} (0: a free port) when {@code http.port} is set,
     * else {@link #off()}. The server answers at once; it is ready once {@link #modelLoaded()} and
     * {@link #watch(KafkaStreams)} have been called and Kafka Streams is RUNNING.
     */
    public static Monitoring start(ExplainerConfig config) {
        int port = config.getInt(ExplainerConfig.HTTP_PORT_CONFIG);
        if (port < 0) {
            return off();
        }
        String bind = config.getString(ExplainerConfig.HTTP_BIND_CONFIG);
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bind), port), 0);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ExplainerConfig.HTTP_BIND_CONFIG + "=" + bind + ": unknown host");
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot serve /health and /metrics on " + bind + ":" + port + " ("
                            + ExplainerConfig.HTTP_BIND_CONFIG + ", " + ExplainerConfig.HTTP_PORT_CONFIG + "): " + e,
                    e);
        }
        Monitoring monitoring = new Monitoring(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), server);
        LOG.info(
                "Serving /health/live, /health/ready and /metrics on {}",
                monitoring.url().orElseThrow());
        return monitoring;
    }

    /** The base URL of the endpoints, e.g. {@code http://127.0.0.1:9464}; empty when off. */
    public Optional<URI> url() {
        if (server == null) {
            return Optional.empty();
        }
        InetSocketAddress address = server.getAddress();
        String host = address.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return Optional.of(URI.create("http://" + host + ":" + address.getPort()));
    }

    /** What the stream's processors record into (through Kafka Streams' properties, {@link ExplainerMeters#register}). */
    public ExplainerMeters meters() {
        return meters;
    }

    /** The model is loaded. */
    public void modelLoaded() {
        modelLoaded = true;
    }

    /** Readiness follows this Kafka Streams instance from now on, and {@code /metrics} shows its metrics. */
    public synchronized void watch(KafkaStreams kafkaStreams) {
        unwatch();
        stopped = false;
        this.streams = kafkaStreams;
        if (registry != null) {
            streamsMetrics = new KafkaStreamsMetrics(kafkaStreams, List.of(), refresher, KAFKA_METRICS_REFRESH);
            streamsMetrics.bindTo(registry);
        }
    }

    /** The stream explainer is stopping: not ready any more, whatever Kafka Streams' state. */
    public void stopping() {
        stopped = true;
    }

    /** Forgets the Kafka Streams instance (after it is closed) and its metrics. */
    public synchronized void unwatch() {
        stopped = true;
        if (streamsMetrics != null) {
            streamsMetrics.close();
            streamsMetrics = null;
        }
    }

    /** Why the explainer is not ready, or empty when it is. */
    public Optional<String> notReadyBecause() {
        if (!modelLoaded) {
            return Optional.of("the model is not loaded yet");
        }
        KafkaStreams watched = streams;
        if (watched == null) {
            return Optional.of("Kafka Streams is not created yet");
        }
        if (stopped) {
            return Optional.of("the stream explainer is stopping or stopped");
        }
        KafkaStreams.State state = watched.state();
        return state == KafkaStreams.State.RUNNING
                ? Optional.empty()
                : Optional.of("Kafka Streams is " + state + ", not RUNNING");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!path.equals("/health/live") && !path.equals("/health/ready") && !path.equals("/metrics")) {
                send(exchange, 404, "text/plain; charset=utf-8", "not found: " + path + "\n");
                return;
            }
            if (!exchange.getRequestMethod().equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                send(exchange, 405, "text/plain; charset=utf-8", "method not allowed: GET only\n");
                return;
            }
            switch (path) {
                case "/health/live" -> send(exchange, 200, "text/plain; charset=utf-8", "live\n");
                case "/health/ready" -> {
                    Optional<String> reason = notReadyBecause();
                    if (reason.isPresent()) {
                        send(exchange, 503, "text/plain; charset=utf-8", "not ready: " + reason.get() + "\n");
                    } else {
                        send(exchange, 200, "text/plain; charset=utf-8", "ready\n");
                    }
                }
                default -> send(exchange, 200, TEXT_FORMAT, registry.scrape());
            }
        } catch (RuntimeException e) {
            LOG.warn("HTTP request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
        }
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** Stops the server and the meters' threads. */
    @Override
    public synchronized void close() {
        unwatch();
        if (server != null) {
            server.stop(0);
            handlers.shutdownNow();
            refresher.shutdownNow();
            gcMetrics.close();
            registry.close();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
