package io.otnn.schemas.registry;

/** No schema with that id, or the schema is not registered under the subject; error code 40403. */
public class SchemaNotFoundException extends SchemaRegistryException {

    private static final long serialVersionUID = 1L;

    public SchemaNotFoundException(String message, int status, int errorCode) {
        super(message, status, errorCode);
    }
}
