package io.otnn.trainer;

/**
 * Told where a run is: once when the training starts (or resumes) and after every epoch, once its state is saved. Called
 * on the training thread: keep it short.
 */
public interface EpochListener {

    EpochListener NONE = progress -> {};

    /** The graph is built; {@code completedEpochs} is where a resumed run starts (0 for a fresh one). */
    default void started(int completedEpochs, int epochs, String device) {}

    /** An epoch ended and its state is saved: a crash after this resumes after it. */
    void epochEnded(EpochProgress progress);
}
