package io.otnn.streams.batching;

import io.otnn.streams.fidelity.FidelitySettings;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link BatchingExplainProcessor} needs to know besides its collaborators.
 *
 * @param maxBatchSize    images per model call at most ({@code batch.max.size})
 * @param maxWaitMs       how long the oldest image may wait for its batch ({@code batch.max.wait.ms})
 * @param maxImageBytes   larger encoded images are dead letters ({@code image.max.bytes})
 * @param application     the application/instance named in explanations and dead letters
 * @param metricsWindowMs size of the metric windows the partial figures are counted into
 * @param epsilons        the ε of the certified fractions
 * @param fidelity        the online fidelity of the saliency maps ({@code fidelity.*})
 * @param commitAfter     which batches ask Kafka Streams to commit as soon as their outcomes are forwarded
 *                        ({@code commit.after.batch})
 */
public record BatchSettings(
        int maxBatchSize,
        long maxWaitMs,
        int maxImageBytes,
        String application,
        long metricsWindowMs,
        List<Double> epsilons,
        FidelitySettings fidelity,
        CommitAfterBatch commitAfter) {

    public BatchSettings {
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize must be at least 1, got " + maxBatchSize);
        }
        epsilons = List.copyOf(epsilons);
        Objects.requireNonNull(commitAfter, "commitAfter");
    }

    /** Whether a batch of {@code size} images asks for a commit once its outcomes are forwarded. */
    boolean commitsAfter(int size) {
        return switch (commitAfter) {
            case NONE -> false;
            case PARTIAL -> size < maxBatchSize;
            case EVERY -> true;
        };
    }
}
