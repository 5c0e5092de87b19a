package io.otnn.streams.models;

/** A checkpoint the explainer will not serve, with the reason in one line. */
public final class RefusedCheckpoint extends Exception {

    public RefusedCheckpoint(String reason) {
        super(reason);
    }

    public RefusedCheckpoint(String reason, Throwable cause) {
        super(reason, cause);
    }
}
