package io.otnn.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.explain.checkpoint.ModelMetadata;
import io.otnn.trainer.train.LearningRateSchedule;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The paper's Figure 2 / Prop. 2 check: a binary dense OTNN trained with hKR on two concentric Koch snowflakes sends
 * every test point x to the decision boundary with x_δ = x − f(x)∇f(x), i.e. |f(x_δ)| ≈ 0.
 */
class KochSnowflakeTest {

    @TempDir
    Path tmp;

    @Test
    void shouldPutTransportedPointsOnTheBoundaryWhenOtnnLearnsKochSnowflakes() throws Exception {
        TrainingResult r = new Trainer().train(TrainingConfig.builder()
                .setDataset("koch").optWidthMultiplier(0.125).setEpochs(KOCH_EPOCHS)
                .optSchedule(LearningRateSchedule.parse("5e-3:" + (KOCH_EPOCHS - 5) + ",5e-4"))
                .setOut(tmp.resolve("koch")).build());
        assertThat(r.metadata().task()).isEqualTo(ModelMetadata.Task.BINARY);
        assertThat(r.evaluation().testAccuracy()).isGreaterThan(0.95);
        assertThat(r.evaluation().boundaryResidual()).isLessThan(0.05);
        assertThat(r.metadata().evaluation().get("boundaryResidual").asDouble()).isEqualTo(r.evaluation().boundaryResidual());
        assertThat(r.evaluation().gradientNorm()[2]).isLessThanOrEqualTo(1 + 1e-3);
    }

    static final int KOCH_EPOCHS = 30;
}
