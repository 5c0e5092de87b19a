package io.otnn.dashboard.http;

import com.sun.net.httpserver.HttpExchange;
import io.otnn.dashboard.state.DashboardState;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events: each client gets the whole state as one {@code state} event at once, then again after every
 * change, at most every {@link #MIN_INTERVAL_MS} (a busy explainer writes hundreds of explanations a second), and a
 * comment line every {@link #KEEP_ALIVE_MS} when nothing changes so proxies keep the connection open.
 */
final class EventStream implements AutoCloseable {

    static final long MIN_INTERVAL_MS = 250;
    static final long KEEP_ALIVE_MS = 15_000;

    private final DashboardState state;
    private volatile boolean closed;

    EventStream(DashboardState state) {
        this.state = state;
    }

    void stream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("X-Accel-Buffering", "no");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        out.write("retry: 1000\n\n".getBytes(StandardCharsets.UTF_8));
        long sent = -1;
        long lastSend = 0;
        try {
            while (!closed) {
                long version = state.awaitChange(sent, KEEP_ALIVE_MS);
                if (version == sent) {
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    continue;
                }
                long wait = lastSend + MIN_INTERVAL_MS - System.currentTimeMillis();
                if (wait > 0) Thread.sleep(wait);
                DashboardState.Snapshot snapshot = state.snapshot();
                out.write(("event: state\nid: " + snapshot.version() + "\ndata: ").getBytes(StandardCharsets.UTF_8));
                out.write(Json.write(snapshot));
                out.write("\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                sent = snapshot.version();
                lastSend = System.currentTimeMillis();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
