package io.otnn.dashboard.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.otnn.dashboard.DashboardConfig;
import io.otnn.dashboard.render.ExplanationImages;
import io.otnn.dashboard.state.DashboardState;
import io.otnn.dashboard.state.ExplanationEntry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's web server (the JDK's {@code com.sun.net.httpserver}): the page and its scripts, uPlot from its WebJar,
 * the state as JSON, a server-sent-events stream of it, and the pictures of each explanation. Read-only: any method
 * but GET is answered 405. With a user and password every request needs them (401 otherwise). Binds to the configured
 * address, loopback by default. Nothing is fetched from elsewhere: the page's Content-Security-Policy allows only
 * this server.
 */
public final class DashboardServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DashboardServer.class);
    private static final String WEB = "/io/otnn/dashboard/web/";
    private static final String UPLOT = "/META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
    private static final Map<String, String> FILES = Map.of(
            "/", WEB + "index.html",
            "/app.js", WEB + "app.js",
            "/style.css", WEB + "style.css",
            "/vendor/uPlot.iife.min.js", UPLOT + "uPlot.iife.min.js",
            "/vendor/uPlot.min.css", UPLOT + "uPlot.min.css");
    private static final Pattern PICTURE = Pattern.compile("/api/explanations/(\\d{1,18})/([a-z]+)\\.png");
    private static final Pattern DETAIL = Pattern.compile("/api/explanations/(\\d{1,18})");
    /** Most simultaneous requests (each event stream holds one). */
    static final int MAX_THREADS = 32;

    private final DashboardState state;
    private final BasicAuth auth;
    private final HttpServer server;
    private final ExecutorService executor;
    private final EventStream events;
    /** The pictures drawn lately, so the gallery of every open page costs one drawing per picture. */
    private final Map<String, byte[]> pictures;

    public DashboardServer(DashboardConfig config, DashboardState state) throws IOException {
        this.state = state;
        this.auth = config.user() == null ? null : new BasicAuth(config.user(), config.password());
        this.events = new EventStream(state);
        int keep = 4 * config.limits().explanations();
        this.pictures = new java.util.LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
                return size() > keep;
            }
        };
        AtomicInteger threads = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(
                2,
                MAX_THREADS,
                30,
                TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                r -> {
                    Thread t = new Thread(r, "otnn-dashboard-http-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.AbortPolicy());
        this.server =
                HttpServer.create(new InetSocketAddress(InetAddress.getByName(config.bind()), config.httpPort()), 64);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
    }

    public DashboardServer start() {
        server.start();
        LOG.info("Dashboard on {}{}", url(), auth == null ? "" : " (basic auth)");
        return this;
    }

    /** The page's address. */
    public String url() {
        InetSocketAddress address = server.getAddress();
        String host = address.getAddress().getHostAddress();
        if (host.contains(":")) host = "[" + host + "]";
        return "http://" + host + ":" + address.getPort() + "/";
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            securityHeaders(exchange);
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET");
                text(exchange, 405, "read-only: GET only\n");
                return;
            }
            if (auth != null && !auth.accepts(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders()
                        .set("WWW-Authenticate", "Basic realm=\"otnn dashboard\", charset=\"UTF-8\"");
                text(exchange, 401, "authentication required\n");
                return;
            }
            route(exchange, exchange.getRequestURI().getPath());
        } catch (IOException e) {
            LOG.debug("Request {} ended: {}", exchange.getRequestURI(), e.getMessage());
        }
    }

    private void route(HttpExchange exchange, String path) throws IOException {
        if (FILES.containsKey(path)) {
            resource(exchange, FILES.get(path));
        } else if (path.equals("/api/state")) {
            bytes(exchange, 200, "application/json", Json.write(state.snapshot()));
        } else if (path.equals("/api/events")) {
            events.stream(exchange);
        } else if (PICTURE.matcher(path).matches()) {
            Matcher m = PICTURE.matcher(path);
            m.matches();
            picture(exchange, Long.parseLong(m.group(1)), m.group(2));
        } else if (DETAIL.matcher(path).matches()) {
            Matcher m = DETAIL.matcher(path);
            m.matches();
            Optional<ExplanationEntry> entry = state.explanation(Long.parseLong(m.group(1)));
            if (entry.isEmpty()) {
                text(exchange, 404, "no such explanation (the dashboard keeps the latest few)\n");
            } else {
                bytes(
                        exchange,
                        200,
                        "application/json",
                        Json.write(ExplanationDetail.of(
                                entry.get(),
                                state.checkpointOf(entry.get().record()).orElse(null))));
            }
        } else {
            text(exchange, 404, "not found\n");
        }
    }

    private void picture(HttpExchange exchange, long seq, String kindName) throws IOException {
        Optional<ExplanationImages.Kind> kind = ExplanationImages.Kind.of(kindName);
        Optional<ExplanationEntry> entry = state.explanation(seq);
        if (kind.isEmpty() || entry.isEmpty()) {
            text(exchange, 404, "no such picture\n");
            return;
        }
        Optional<byte[]> png;
        try {
            String key = seq + "/" + kind.get();
            byte[] cached;
            synchronized (pictures) {
                cached = pictures.get(key);
            }
            png = cached != null
                    ? Optional.of(cached)
                    : ExplanationImages.png(
                            entry.get().record(),
                            state.checkpointOf(entry.get().record()).orElse(null),
                            kind.get());
            if (cached == null && png.isPresent()) {
                synchronized (pictures) {
                    pictures.put(key, png.get());
                }
            }
        } catch (RuntimeException e) {
            text(exchange, 422, "cannot draw this explanation: " + e.getMessage() + "\n");
            return;
        }
        if (png.isEmpty()) {
            text(exchange, 404, "this explanation has no " + kindName + "\n");
            return;
        }
        exchange.getResponseHeaders().set("Cache-Control", "private, max-age=3600");
        bytes(exchange, 200, "image/png", png.get());
    }

    private static void resource(HttpExchange exchange, String name) throws IOException {
        try (InputStream in = DashboardServer.class.getResourceAsStream(name)) {
            if (in == null) {
                text(exchange, 500, "missing resource " + name + "\n");
                return;
            }
            String type = name.endsWith(".html")
                    ? "text/html; charset=utf-8"
                    : name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
            bytes(exchange, 200, type, in.readAllBytes());
        }
    }

    private static void securityHeaders(HttpExchange exchange) {
        var h = exchange.getResponseHeaders();
        h.set(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                        + "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Cache-Control", "no-store");
    }

    static void text(HttpExchange exchange, int status, String body) throws IOException {
        bytes(exchange, status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    static void bytes(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String uplotVersion() {
        try (InputStream in =
                DashboardServer.class.getResourceAsStream("/META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            java.util.Properties p = new java.util.Properties();
            if (in != null) p.load(in);
            return p.getProperty("version", "1.6.30");
        } catch (IOException e) {
            return "1.6.30";
        }
    }

    @Override
    public void close() {
        events.close();
        server.stop(0);
        executor.shutdownNow();
    }
}
