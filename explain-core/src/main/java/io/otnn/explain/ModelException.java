package io.otnn.explain;

/** The model could not be loaded or failed while running: engine, natives, signatures or a run-time error. */
public class ModelException extends RuntimeException {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
