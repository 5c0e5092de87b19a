package io.otnn.local;

/** The local stack could not start, or failed while running. */
public class LocalStackException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public LocalStackException(String message, Throwable cause) {
        super(message, cause);
    }

    public LocalStackException(String message) {
        super(message);
    }
}
