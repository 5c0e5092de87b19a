package io.otnn.schemas.registry;

/** The registry rejected the schema or version as invalid; error codes 42201 and 42202. */
public class InvalidSchemaException extends SchemaRegistryException {

    private static final long serialVersionUID = 1L;

    public InvalidSchemaException(String message, int status, int errorCode) {
        super(message, status, errorCode);
    }
}
