package io.otnn.checkpoint;

/** A checkpoint that cannot be used: missing, incomplete, corrupt or tampered. The message names the file and the problem. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
