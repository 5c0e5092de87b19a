package io.otnn.streams.startup;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import javax.net.ssl.SSLException;

/** Turns the exception of a failed connection into a few words: unknown host, connection refused, TLS... */
final class Reasons {

    private Reasons() {}

    /** The reason, looked for along the whole cause chain (the JDK wraps the telling exception in others). */
    static Problem of(Throwable failure, String host) {
        if (has(failure, UnresolvedAddressException.class) || has(failure, UnknownHostException.class)) {
            return Problem.retry("unknown host " + host);
        }
        SSLException tls = find(failure, SSLException.class);
        if (tls != null) {
            return Problem.fatal("TLS handshake failed: " + tls.getMessage());
        }
        if (has(failure, HttpConnectTimeoutException.class) || has(failure, SocketTimeoutException.class)) {
            return Problem.retry("no answer from " + host + " (connect timeout)");
        }
        if (has(failure, NoRouteToHostException.class)) {
            return Problem.retry("no route to host " + host);
        }
        if (has(failure, ConnectException.class)) {
            return Problem.retry("connection refused");
        }
        return Problem.retry(oneLine(failure.getMessage() != null ? failure.getMessage() : failure.toString()));
    }

    static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    private static boolean has(Throwable failure, Class<? extends Throwable> type) {
        return find(failure, type) != null;
    }

    private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }
}
