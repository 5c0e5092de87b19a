package io.otnn.streams.explaining;

/**
 * The model one slot of the explainer serves now (the primary model, or the shadow compared with it), which may
 * change while the stream runs (a live swap). Thread-safe: every stream task asks it before each model call and
 * makes a new {@link BatchExplainer} when the generation has changed since its last call.
 */
public interface ServedModel {

    /** The engine served now and its generation; the generation only ever grows. */
    Serving current();

    /**
     * One engine and the generation at which it started serving: a generation is the number of swaps the slot has
     * made, so two calls that see the same generation see the same engine.
     */
    record Serving(ExplanationEngine engine, long generation) {}

    /** Whether an engine serves now ({@link #current()} may be asked); a following slot serves none at first. */
    default boolean serving() {
        return true;
    }

    /**
     * One image a stream task has just decoded (the first of each batch), which a following slot keeps to self-test
     * the next checkpoint on real images; nothing by default.
     */
    default void offerSample(float[] pixels) {}

    /** A slot that always serves {@code engine} (a model given at start, no live swap). */
    static ServedModel fixed(ExplanationEngine engine) {
        Serving serving = new Serving(engine, 0);
        return () -> serving;
    }
}
