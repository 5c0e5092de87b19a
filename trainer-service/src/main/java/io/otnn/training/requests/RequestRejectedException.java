package io.otnn.training.requests;

/** A training request that cannot be run as it is: its one-line reason goes into the REJECTED status. */
public class RequestRejectedException extends Exception {
    public RequestRejectedException(String reason) {
        super(reason);
    }
}
