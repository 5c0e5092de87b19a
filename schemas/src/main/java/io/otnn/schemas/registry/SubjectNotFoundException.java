package io.otnn.schemas.registry;

/** The subject does not exist (or has no live version); error code 40401. */
public class SubjectNotFoundException extends SchemaRegistryException {

    private static final long serialVersionUID = 1L;

    public SubjectNotFoundException(String message, int status, int errorCode) {
        super(message, status, errorCode);
    }
}
