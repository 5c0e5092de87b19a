package io.otnn.schemas.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A real HTTP(S) server on 127.0.0.1 that answers as a test scripts it (fail N times, refuse credentials, never
 * answer...) and records every request it received: a registry made to fail.
 */
final class ScriptedRegistry implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    /** One request as received: method, path with query, the Authorization header, arrival time. */
    record Request(String method, String path, String authorization, long nanos) {}

    record Response(int status, String body) {}

    /** The answer to the {@code n}-th request (0-based); may block until the server is closed. */
    interface Script {
        Response answer(Request request, int n, ScriptedRegistry server) throws InterruptedException;
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final String scheme;

    private ScriptedRegistry(HttpServer server, String scheme, Script script) {
        this.server = server;
        this.scheme = scheme;
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "scripted-registry");
            t.setDaemon(true);
            return t;
        });
        server.createContext("/", exchange -> handle(exchange, script));
        server.setExecutor(executor);
        server.start();
    }

    static ScriptedRegistry http(Script script) throws IOException {
        return new ScriptedRegistry(HttpServer.create(loopback(), 0), "http", script);
    }

    /** HTTPS with the server's key in {@code context}; {@code needClientAuth}: mutual TLS. */
    static ScriptedRegistry https(SSLContext context, boolean needClientAuth, Script script) throws IOException {
        HttpsServer server = HttpsServer.create(loopback(), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = context.getDefaultSSLParameters();
                parameters.setNeedClientAuth(needClientAuth);
                params.setSSLParameters(parameters);
            }
        });
        return new ScriptedRegistry(server, "https", script);
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    String url() {
        return scheme + "://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    long count(String method, String path) {
        return requests.stream()
                .filter(r -> r.method().equals(method) && r.path().equals(path))
                .count();
    }

    /** Blocks the answering thread until the server is closed (a registry that never answers). */
    void hang() throws InterruptedException {
        closed.await();
    }

    private void handle(HttpExchange exchange, Script script) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
        }
        Request request = new Request(
                exchange.getRequestMethod(),
                exchange.getRequestURI().toString(),
                exchange.getRequestHeaders().getFirst("Authorization"),
                System.nanoTime());
        int n;
        synchronized (requests) {
            n = requests.size();
            requests.add(request);
        }
        Response response;
        try {
            response = script.answer(request, n, this);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.close();
            return;
        }
        byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(response.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    static Response ok(String body) {
        return new Response(200, body);
    }

    static Response error(int status, int code, String message) {
        ObjectNode error = JSON.createObjectNode().put("error_code", code).put("message", message);
        return new Response(status, error.toString());
    }

    /** The answer of {@code GET /schemas/ids/{id}} for a schema. */
    static Response schema(String schema) {
        return ok(JSON.createObjectNode().put("schema", schema).toString());
    }

    /** The answer of {@code GET /subjects/{s}/versions/latest}. */
    static Response latest(String subject, int version, int id, String schema) {
        return ok(JSON.createObjectNode()
                .put("subject", subject)
                .put("version", version)
                .put("id", id)
                .put("schema", schema)
                .toString());
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
