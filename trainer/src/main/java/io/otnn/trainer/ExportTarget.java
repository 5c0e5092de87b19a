package io.otnn.trainer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a trained network is published, decided after its last epoch and before its export: the trainer service
 * allocates the model version there (and records it) so that a failed training takes no version. Without one, the
 * checkpoint goes to the configuration's {@code out} with that directory's previous version + 1.
 */
public interface ExportTarget {

    /**
     * The directory to publish to (missing or empty; its parent exists) and the version to write in its metadata.
     *
     * @throws IOException the target cannot be prepared (e.g. not enough usable space): nothing is published
     */
    Target prepare(TrainingConfig config) throws IOException;

    record Target(Path dir, int version) {
        public Target {
            if (version < 1) throw new IllegalArgumentException("a model version is at least 1, not " + version);
        }
    }
}
