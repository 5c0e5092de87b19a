package io.otnn.training.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.ModelStoreHttp;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the store read-only over HTTP with the JDK's server: {@code GET /models/{name}/{version}.tar.gz} (the
 * archive, the manifest digest in {@link ModelStoreHttp#MANIFEST_DIGEST_HEADER}), {@code GET /models} (a JSON
 * listing) and {@code GET /health/live}. GET and HEAD only (405 otherwise); anything else is 404. The raw path must
 * match one of these exactly, so that {@code ..}, encoded characters and extra segments never reach the file system.
 */
public final class ModelStoreServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelStoreServer.class);
    public static final String DEFAULT_BIND = "127.0.0.1";
    private static final Pattern ARCHIVE =
            Pattern.compile("/models/(" + ModelStoreHttp.MODEL_NAME.pattern() + ")/([1-9][0-9]{0,8})\\.tar\\.gz");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelStore store;
    private final HttpServer server;
    private final ExecutorService executor;

    private ModelStoreServer(ModelStore store, HttpServer server, ExecutorService executor) {
        this.store = store;
        this.server = server;
        this.executor = executor;
    }

    /** Listens on {@code bind}:{@code port} (0: a free port). */
    public static ModelStoreServer start(ModelStore store, String bind, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bind), port), 16);
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "otnn-model-store-http");
            t.setDaemon(true);
            return t;
        });
        ModelStoreServer s = new ModelStoreServer(store, server, executor);
        server.createContext("/", s::handle);
        server.setExecutor(executor);
        server.start();
        LOG.info("serving the model store {} on {}", store.root(), s.baseUrl());
        return s;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@code http://host:port}, the host as bound (a wildcard bind gives this machine's name). */
    public String baseUrl() {
        InetSocketAddress a = server.getAddress();
        String host =
                a.getAddress().isAnyLocalAddress() ? hostName() : a.getAddress().getHostAddress();
        if (host.contains(":")) host = "[" + host + "]";
        return "http://" + host + ":" + a.getPort();
    }

    public String url(String name, int version) {
        return baseUrl() + ModelStoreHttp.path(name, version);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            boolean head = method.equals("HEAD");
            if (!head && !method.equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain", "method not allowed\n", false);
                return;
            }
            String path = exchange.getRequestURI().getRawPath();
            if (path.equals("/health/live")) {
                send(exchange, 200, "text/plain", "ok\n", head);
            } else if (path.equals("/models")) {
                send(exchange, 200, "application/json", listing(), head);
            } else {
                Matcher m = ARCHIVE.matcher(path);
                if (m.matches() && store.isServed(m.group(1), Integer.parseInt(m.group(2)))) {
                    sendArchive(exchange, m.group(1), Integer.parseInt(m.group(2)), head);
                } else {
                    send(exchange, 404, "text/plain", "not found\n", head);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("model store request {} failed: {}", exchange.getRequestURI(), e.toString());
        }
    }

    private void sendArchive(HttpExchange exchange, String name, int version, boolean head) throws IOException {
        Path archive = store.archive(name, version);
        String digest =
                CheckpointManifest.read(store.checkpointDir(name, version)).digest();
        exchange.getResponseHeaders().set("Content-Type", "application/gzip");
        exchange.getResponseHeaders().set(ModelStoreHttp.MANIFEST_DIGEST_HEADER, digest);
        long size = Files.size(archive);
        if (head) {
            exchange.getResponseHeaders().set("Content-Length", Long.toString(size));
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        exchange.sendResponseHeaders(200, size);
        try (OutputStream out = exchange.getResponseBody()) {
            Files.copy(archive, out);
        }
    }

    private String listing() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode models = root.putArray("models");
        for (Map.Entry<String, List<Integer>> e : store.served().entrySet()) {
            ObjectNode model = models.addObject();
            model.put("name", e.getKey());
            ArrayNode versions = model.putArray("versions");
            for (int v : e.getValue()) {
                ObjectNode version = versions.addObject();
                version.put("version", v);
                version.put("path", ModelStoreHttp.path(e.getKey(), v));
                version.put(
                        "manifestDigest",
                        CheckpointManifest.read(store.checkpointDir(e.getKey(), v))
                                .digest());
                version.put("bytes", Files.size(store.archive(e.getKey(), v)));
            }
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    private static void send(HttpExchange exchange, int status, String type, String body, boolean head)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        if (head) {
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
