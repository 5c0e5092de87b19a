package io.otnn.streams.drift;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The drift reference of each model version the explainer has served, by {@code <model>@<version>} (the windows'
 * key): learnt when a checkpoint is accepted, before it serves, so that the first window of a new version already
 * has its reference. Thread-safe.
 */
public final class DriftReferences {

    private final Map<String, DriftReference> references = new ConcurrentHashMap<>();

    public DriftReferences() {}

    public DriftReferences(Map<String, DriftReference> initial) {
        references.putAll(initial);
    }

    public void learn(String modelKey, DriftReference reference) {
        references.put(modelKey, reference);
    }

    public DriftReference get(String modelKey) {
        return references.getOrDefault(modelKey, DriftReference.NONE);
    }
}
