package io.otnn.trainer.export;

import io.otnn.trainer.data.Dataset;
import io.otnn.trainer.eval.ModelRunner;
import io.otnn.trainer.eval.RobustnessEvaluation;

/** Test access to the publisher's package-private checks. */
public final class CheckpointPublisherAccess {
    private CheckpointPublisherAccess() {}

    public static void checkGradients(RobustnessEvaluation e, double lipschitz, double c, int logits) {
        CheckpointPublisher.checkGradients(e, lipschitz, c, logits);
    }

    public static void checkLogits(ModelRunner training, ModelRunner reloaded, Dataset test) {
        CheckpointPublisher.checkLogits(training, reloaded, test);
    }
}
