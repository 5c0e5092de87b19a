package io.otnn.local;

/** A registry failure with the HTTP status and Confluent error code that the REST API returns. */
final class RegistryError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    static final int UNAUTHORIZED = 40101;
    static final int SUBJECT_NOT_FOUND = 40401;
    static final int VERSION_NOT_FOUND = 40402;
    static final int SCHEMA_NOT_FOUND = 40403;
    static final int SUBJECT_LEVEL_CONFIG_NOT_FOUND = 40408;
    static final int NOT_FOUND = 404;
    static final int INCOMPATIBLE = 409;
    static final int INVALID_SCHEMA = 42201;
    static final int INVALID_VERSION = 42202;
    static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    static final int BAD_REQUEST = 400;
    static final int STORE_ERROR = 50001;

    private final int status;
    private final int errorCode;

    RegistryError(int status, int errorCode, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    RegistryError(int status, int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    int status() {
        return status;
    }

    int errorCode() {
        return errorCode;
    }
}
