package io.otnn.dashboard;

import io.otnn.dashboard.feed.TopicFeed;
import io.otnn.dashboard.http.DashboardServer;
import io.otnn.dashboard.state.DashboardState;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The running dashboard: the topic feed filling the state, and the web server showing it. */
public final class Dashboard implements AutoCloseable {

    private final DashboardState state;
    private final TopicFeed feed;
    private final DashboardServer server;

    private Dashboard(DashboardState state, TopicFeed feed, DashboardServer server) {
        this.state = state;
        this.feed = feed;
        this.server = server;
    }

    /** Starts reading the topics and serving the page; the port is bound when this returns. */
    public static Dashboard start(DashboardConfig config) {
        DashboardState state = new DashboardState(config.limits());
        DashboardServer server;
        try {
            server = new DashboardServer(config, state);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot listen on " + config.bind() + ":" + config.httpPort() + ": " + e.getMessage(), e);
        }
        TopicFeed feed;
        try {
            feed = new TopicFeed(config, state);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        server.start();
        feed.start();
        return new Dashboard(state, feed, server);
    }

    /** The page's address, e.g. {@code http://127.0.0.1:8088/}. */
    public String url() {
        return server.url();
    }

    public DashboardState state() {
        return state;
    }

    @Override
    public void close() {
        server.close();
        feed.close();
    }
}
