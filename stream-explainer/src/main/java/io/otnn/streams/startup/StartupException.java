package io.otnn.streams.startup;

/**
 * The explainer cannot start: a dependency stayed unreachable for {@code startup.timeout.ms}, or refused us for a
 * reason that waiting does not mend (credentials, TLS). The message is one line that says which and why.
 */
public final class StartupException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StartupException(String message) {
        super(message);
    }
}
