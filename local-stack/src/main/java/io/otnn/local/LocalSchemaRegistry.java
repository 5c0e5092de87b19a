package io.otnn.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.otnn.local.security.RegistryAuth;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small schema registry that speaks Confluent Schema Registry's REST API (Avro only) on 127.0.0.1,
 * storing its schemas in a compacted Kafka topic ({@code _schemas}) so that they and their ids survive a
 * restart against the same broker data.
 *
 * <p>Endpoints: {@code POST /subjects/{s}/versions}, {@code POST /subjects/{s}}, {@code GET /subjects},
 * {@code GET /subjects/{s}/versions}, {@code GET /subjects/{s}/versions/{v|latest}[/schema]},
 * {@code GET /schemas/ids/{id}[/schema]}, {@code POST /compatibility/subjects/{s}/versions/{v|latest}},
 * {@code GET|PUT /config[/{s}]}, {@code DELETE /subjects/{s}}. Errors are JSON
 * {@code {"error_code":40401,"message":"..."}} with Confluent's codes. The default compatibility is BACKWARD.
 *
 * <p>It counts requests ({@link #requestCount(String, String)}) so that tests can prove client caching.
 *
 * <p>Secure mode ({@link #start(Map, int, RegistryAuth)}): HTTPS only, and every request needs HTTP basic
 * authentication of a known user; any other request gets 401 with Confluent's error JSON (error code 40101) and is
 * counted like the others. Credentials are never logged.
 */
public final class LocalSchemaRegistry implements AutoCloseable {

    /** Content type of Confluent's API. */
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final Logger LOG = LoggerFactory.getLogger(LocalSchemaRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BIND_ATTEMPTS = 5;

    private final SchemaStore store;
    private HttpServer server;
    private final int port;
    private final ExecutorService executor;
    private final RegistryAuth auth;
    private final Map<String, LongAdder> requestCounts = new ConcurrentHashMap<>();
    private boolean serving = true;
    private volatile CountDownLatch paused;
    private boolean closed;

    private LocalSchemaRegistry(SchemaStore store, HttpServer server, ExecutorService executor, RegistryAuth auth) {
        this.store = store;
        this.server = server;
        this.port = server.getAddress().getPort();
        this.executor = executor;
        this.auth = auth;
    }

    /** Starts a registry on a free port, storing schemas in {@code _schemas} of the given Kafka cluster. */
    public static LocalSchemaRegistry start(String bootstrapServers) {
        return start(bootstrapServers, 0);
    }

    /**
     * Starts a registry on {@code port} (0 for a free one), storing schemas in {@code _schemas} of the given
     * Kafka cluster; reads the topic to the end before it answers any request.
     */
    public static LocalSchemaRegistry start(String bootstrapServers, int port) {
        return start(bootstrapServers, port, SchemaStore.DEFAULT_TOPIC);
    }

    /** As {@link #start(String, int)} with the schemas in {@code topic} instead of {@code _schemas}. */
    static LocalSchemaRegistry start(String bootstrapServers, int port, String topic) {
        return start(Map.of("bootstrap.servers", bootstrapServers), port, topic, null);
    }

    /**
     * Starts a secure registry (HTTPS, basic auth) on {@code port} (0 for a free one), storing schemas in
     * {@code _schemas} of the Kafka cluster reached with {@code kafkaClient} (bootstrap servers and, for a secure
     * broker, its SASL_SSL settings).
     */
    public static LocalSchemaRegistry start(Map<String, Object> kafkaClient, int port, RegistryAuth auth) {
        return start(kafkaClient, port, SchemaStore.DEFAULT_TOPIC, java.util.Objects.requireNonNull(auth, "auth"));
    }

    private static LocalSchemaRegistry start(
            Map<String, Object> kafkaClient, int port, String topic, RegistryAuth auth) {
        SchemaStore store = SchemaStore.open(kafkaClient, topic);
        try {
            HttpServer server = bind(port, auth);
            AtomicInteger threads = new AtomicInteger();
            ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "otnn-registry-http-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            LocalSchemaRegistry registry = new LocalSchemaRegistry(store, server, executor, auth);
            server.createContext("/", registry::handle);
            server.setExecutor(executor);
            server.start();
            LOG.info(
                    "Schema registry listening on {} ({} schemas{})",
                    registry.url(),
                    store.schemaCount(),
                    auth == null
                            ? ""
                            : "; HTTPS, basic auth for " + auth.users().size() + " user(s)");
            return registry;
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private static HttpServer bind(int port, RegistryAuth auth) {
        IOException last = null;
        for (int attempt = 1; attempt <= (port == 0 ? BIND_ATTEMPTS : 1); attempt++) {
            try {
                InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
                if (auth == null) {
                    return HttpServer.create(address, 64);
                }
                HttpsServer https = HttpsServer.create(address, 64);
                https.setHttpsConfigurator(new HttpsConfigurator(auth.sslContext()));
                return https;
            } catch (BindException e) {
                last = e;
            } catch (IOException e) {
                throw new LocalStackException("cannot start the schema registry's HTTP server", e);
            }
        }
        throw new LocalStackException(
                "the schema registry cannot bind to 127.0.0.1:" + port + " (is the port already in use?)", last);
    }

    /** The registry's base URL, e.g. {@code http://127.0.0.1:8081} ({@code https://} when secure). */
    public String url() {
        return (auth == null ? "http" : "https") + "://127.0.0.1:" + port();
    }

    /** True when the registry requires HTTPS and basic authentication. */
    public boolean secure() {
        return auth != null;
    }

    public int port() {
        return port;
    }

    /**
     * Makes the registry unreachable, as a crashed or partitioned registry is: the HTTP server stops listening
     * (connections are refused) while the schemas stay in memory and in {@code _schemas}. Does nothing if it is
     * already stopped.
     */
    public synchronized void stopServing() {
        if (closed || !serving) {
            return;
        }
        serving = false;
        server.stop(0);
        LOG.info("Schema registry on {} stopped serving", url());
    }

    /**
     * Makes the registry hang, as an overloaded or half-partitioned one does: connections are accepted but no
     * request is answered until {@link #resumeServing()} (then the held requests are answered).
     */
    public synchronized void pauseServing() {
        if (closed || paused != null) {
            return;
        }
        paused = new CountDownLatch(1);
        LOG.info("Schema registry on {} paused: requests are held", url());
    }

    /**
     * Answers again after {@link #pauseServing()}, or listens again on the same port after {@link #stopServing()};
     * does nothing if it is serving.
     */
    public synchronized void resumeServing() {
        if (closed) {
            throw new IllegalStateException("the schema registry on " + url() + " is closed");
        }
        CountDownLatch held = paused;
        if (held != null) {
            paused = null;
            held.countDown();
            LOG.info("Schema registry on {} answering again", url());
        }
        if (serving) {
            return;
        }
        HttpServer resumed = bind(port, auth);
        resumed.createContext("/", this::handle);
        resumed.setExecutor(executor);
        resumed.start();
        server = resumed;
        serving = true;
        LOG.info("Schema registry serving again on {}", url());
    }

    /** The number of requests served whose method is {@code method} and whose path starts with {@code pathPrefix}. */
    public long requestCount(String method, String pathPrefix) {
        String prefix = method.toUpperCase(java.util.Locale.ROOT) + " " + pathPrefix;
        return requestCounts.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix))
                .mapToLong(e -> e.getValue().sum())
                .sum();
    }

    /** Forgets every counted request. */
    public void resetRequestCounts() {
        requestCounts.clear();
    }

    /** Stops the HTTP server and the store's producer. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (paused != null) {
            paused.countDown();
        }
        if (serving) {
            server.stop(0);
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }

    // ---- HTTP ----

    private void handle(HttpExchange exchange) throws IOException {
        CountDownLatch held = paused;
        if (held != null) {
            try {
                held.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.close();
                return;
            }
        }
        String method = exchange.getRequestMethod().toUpperCase(java.util.Locale.ROOT);
        String rawPath = exchange.getRequestURI().getRawPath();
        requestCounts
                .computeIfAbsent(method + " " + rawPath, k -> new LongAdder())
                .increment();
        int status = 200;
        Object body;
        try (InputStream in = exchange.getRequestBody()) {
            byte[] requestBody = in.readAllBytes();
            if (auth != null && !auth.permits(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"otnn-local-registry\"");
                throw new RegistryError(
                        401,
                        RegistryError.UNAUTHORIZED,
                        "Unauthorized: this schema registry "
                                + "requires HTTP basic authentication with a known user and password (basic.auth.user.info)");
            }
            body = route(method, segments(rawPath), requestBody, query(exchange));
        } catch (RegistryError e) {
            status = e.status();
            body = error(e.errorCode(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("registry error on {} {}", method, rawPath, e);
            status = 500;
            body = error(50001, "Error in the backend data store: " + e.getMessage());
        }
        byte[] bytes = body instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static ObjectNode error(int code, String message) {
        return JSON.createObjectNode().put("error_code", code).put("message", message);
    }

    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static Map<String, String> query(HttpExchange exchange) {
        String q = exchange.getRequestURI().getRawQuery();
        Map<String, String> params = new java.util.HashMap<>();
        if (q != null) {
            for (String pair : q.split("&")) {
                int eq = pair.indexOf('=');
                String k = eq < 0 ? pair : pair.substring(0, eq);
                String v = eq < 0 ? "" : pair.substring(eq + 1);
                params.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
            }
        }
        return params;
    }

    private Object route(String method, List<String> p, byte[] body, Map<String, String> query) {
        int n = p.size();
        String root = n == 0 ? "" : p.get(0);
        switch (root) {
            case "subjects":
                if (n == 1 && method.equals("GET")) {
                    return store.subjects();
                }
                if (n == 2 && method.equals("POST")) {
                    return lookup(p.get(1), body);
                }
                if (n == 2 && method.equals("DELETE")) {
                    return store.deleteSubject(p.get(1));
                }
                if (n == 3 && p.get(2).equals("versions") && method.equals("GET")) {
                    return store.liveVersions(p.get(1)).stream()
                            .map(SchemaStore.Version::version)
                            .toList();
                }
                if (n == 3 && p.get(2).equals("versions") && method.equals("POST")) {
                    int id = store.register(p.get(1), schemaOf(body));
                    return JSON.createObjectNode().put("id", id);
                }
                if ((n == 4 || n == 5 && p.get(4).equals("schema"))
                        && p.get(2).equals("versions")
                        && method.equals("GET")) {
                    SchemaStore.Version v = store.version(p.get(1), p.get(3));
                    return n == 5 ? v.schema() : versionJson(v);
                }
                break;
            case "schemas":
                if ((n == 3 || n == 4 && p.get(3).equals("schema")) && p.get(1).equals("ids") && method.equals("GET")) {
                    int id = parseId(p.get(2));
                    String schema = store.schemaById(id);
                    return n == 4 ? schema : JSON.createObjectNode().put("schema", schema);
                }
                break;
            case "compatibility":
                if (n == 5 && p.get(1).equals("subjects") && p.get(3).equals("versions") && method.equals("POST")) {
                    return compatibility(p.get(2), p.get(4), body, "true".equals(query.get("verbose")));
                }
                break;
            case "config":
                return config(method, n == 2 ? p.get(1) : null, n, body, query);
            case "":
                if (method.equals("GET")) {
                    return JSON.createObjectNode();
                }
                break;
            default:
                break;
        }
        throw new RegistryError(
                404, RegistryError.NOT_FOUND, "HTTP 404 Not Found: " + method + " /" + String.join("/", p));
    }

    private ObjectNode lookup(String subject, byte[] body) {
        Schema schema = schemaOf(body);
        store.liveVersions(subject);
        SchemaStore.Version v = store.lookup(subject, schema);
        return versionJson(v);
    }

    private ObjectNode compatibility(String subject, String version, byte[] body, boolean verbose) {
        Schema schema = schemaOf(body);
        List<SchemaStore.Version> against;
        if ("latest".equalsIgnoreCase(version)) {
            against = store.liveVersions(subject);
        } else {
            SchemaStore.Version v = store.version(subject, version);
            against = List.of(v);
        }
        // a check against one explicit version compares with that version only
        List<String> problems = store.incompatibilities(
                subject, schema, "latest".equalsIgnoreCase(version) ? against : List.of(against.get(0)));
        ObjectNode result = JSON.createObjectNode().put("is_compatible", problems.isEmpty());
        if (verbose) {
            problems.forEach(result.putArray("messages")::add);
        }
        return result;
    }

    private Object config(String method, String subject, int n, byte[] body, Map<String, String> query) {
        if (n > 2) {
            throw new RegistryError(404, RegistryError.NOT_FOUND, "HTTP 404 Not Found");
        }
        if (method.equals("GET")) {
            CompatibilityRule level;
            if (subject == null) {
                level = store.globalLevel();
            } else if ("true".equals(query.get("defaultToGlobal"))) {
                level = store.effectiveLevel(subject);
            } else {
                level = store.subjectLevel(subject)
                        .orElseThrow(() -> new RegistryError(
                                404,
                                RegistryError.SUBJECT_LEVEL_CONFIG_NOT_FOUND,
                                "Subject '" + subject + "' does not have subject-level compatibility configured"));
            }
            return JSON.createObjectNode().put("compatibilityLevel", level.name());
        }
        if (method.equals("PUT")) {
            JsonNode json = readJson(body);
            CompatibilityRule level;
            try {
                level = CompatibilityRule.parse(json.path("compatibility").asText(null));
            } catch (IllegalArgumentException e) {
                throw new RegistryError(
                        422,
                        RegistryError.INVALID_COMPATIBILITY_LEVEL,
                        "Invalid compatibility level: " + e.getMessage());
            }
            store.setLevel(subject, level);
            return JSON.createObjectNode().put("compatibility", level.name());
        }
        throw new RegistryError(405, 405, "HTTP 405 Method Not Allowed");
    }

    private static Schema schemaOf(byte[] body) {
        JsonNode json = readJson(body);
        String type = json.path("schemaType").asText("AVRO");
        if (!"AVRO".equalsIgnoreCase(type)) {
            throw new RegistryError(
                    422,
                    RegistryError.INVALID_SCHEMA,
                    "Invalid schema: schema type " + type + " is not supported by this registry (AVRO only)");
        }
        return SchemaStore.parse(json.path("schema").asText(null));
    }

    private static JsonNode readJson(byte[] body) {
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || !node.isObject()) {
                throw new RegistryError(400, RegistryError.BAD_REQUEST, "Request body must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new RegistryError(400, RegistryError.BAD_REQUEST, "Malformed JSON request: " + e.getMessage());
        }
    }

    private static ObjectNode versionJson(SchemaStore.Version v) {
        return JSON.createObjectNode()
                .put("subject", v.subject())
                .put("version", v.version())
                .put("id", v.id())
                .put("schema", v.schema());
    }

    private static int parseId(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new RegistryError(404, RegistryError.SCHEMA_NOT_FOUND, "Schema " + text + " not found");
        }
    }

    @Override
    public String toString() {
        return "LocalSchemaRegistry[" + url() + "]";
    }
}
