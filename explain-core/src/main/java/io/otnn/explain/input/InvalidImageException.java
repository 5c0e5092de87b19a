package io.otnn.explain.input;

/**
 * An image the model cannot take. Unchecked, typed by a {@link RejectionKind} so that callers (the stream's
 * dead-letter handler) can route on the failure without parsing messages.
 */
public class InvalidImageException extends RuntimeException {

    private final RejectionKind kind;

    public InvalidImageException(RejectionKind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public InvalidImageException(RejectionKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public RejectionKind kind() {
        return kind;
    }
}
