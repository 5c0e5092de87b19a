package io.otnn.training.jobs;

/** Where a job is in the journal. EXPORTED: its checkpoint is in the store, not yet announced. */
public enum JobState {
    QUEUED,
    RUNNING,
    EXPORTED,
    SUCCEEDED,
    FAILED,
    REJECTED;

    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED || this == REJECTED;
    }
}
