package io.otnn.streams.explaining;

/** The model call failed for a batch or an image. */
public class ExplainerException extends RuntimeException {
    public ExplainerException(String message, Throwable cause) {
        super(message, cause);
    }

    public ExplainerException(String message) {
        super(message);
    }
}
