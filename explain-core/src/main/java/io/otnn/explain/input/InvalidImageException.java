package io.otnn.explain.input;

/**
 * An image the model cannot take. Unchecked, typed by {@link Kind} so that callers (the stream's dead-letter handler)
 * can route on the failure without parsing messages.
 */
public class InvalidImageException extends RuntimeException {

    public enum Kind {
        /** Height or width (or the byte count of a raw image) differs from the model's input. */
        WRONG_SHAPE,
        /** The number of channels differs from the model's input. */
        WRONG_CHANNELS,
        /** A NaN or infinite value. */
        NON_FINITE,
        /** The bytes are not a valid image of the declared encoding. */
        UNDECODABLE,
        /** Bytes or declared dimensions beyond the decoder's limits. */
        OVERSIZE,
        /** An encoding this decoder does not handle. */
        UNSUPPORTED_ENCODING
    }

    private final Kind kind;

    public InvalidImageException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public InvalidImageException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
