package io.otnn.schemas.registry;

/**
 * The registry could not be reached, or kept answering with server errors, after the configured bounded
 * retries. Check {@code schema.registry.url} and that the registry is running.
 */
public class SchemaRegistryUnavailableException extends SchemaRegistryException {

    private static final long serialVersionUID = 1L;

    public SchemaRegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public SchemaRegistryUnavailableException(String message, int status, int errorCode) {
        super(message, status, errorCode);
    }
}
