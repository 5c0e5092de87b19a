package io.otnn.streams.deadletter;

import io.otnn.explain.input.RejectionKind;

/** A record cannot be explained; the processor turns it into a {@code DeadLetter} and carries on. */
public class RejectedRecordException extends Exception {

    private final RejectionKind kind;
    private final String imageId;

    public RejectedRecordException(RejectionKind kind, String message) {
        this(kind, message, null, null);
    }

    public RejectedRecordException(RejectionKind kind, String message, String imageId, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.imageId = imageId;
    }

    public RejectionKind kind() {
        return kind;
    }

    /** The image id when it was known at the time of the rejection. */
    public String imageId() {
        return imageId;
    }

    public RejectedRecordException withImageId(String id) {
        return new RejectedRecordException(kind, getMessage(), id, getCause());
    }
}
