package io.otnn.schemas.registry;

/**
 * A schema registry request failed. {@link #errorCode()} is Confluent's error code (e.g. 40401) when the
 * registry answered with one, and {@link #status()} the HTTP status (0 when no answer was received).
 */
public class SchemaRegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final int errorCode;

    public SchemaRegistryException(String message, int status, int errorCode) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
        this.errorCode = 0;
    }

    /** HTTP status of the answer, or 0 if there was none. */
    public int status() {
        return status;
    }

    /** Confluent error code of the answer (e.g. 40401), or 0 if there was none. */
    public int errorCode() {
        return errorCode;
    }
}
