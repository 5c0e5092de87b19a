package io.otnn.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.trainer.data.DataSources;
import io.otnn.trainer.data.Dataset;
import io.otnn.trainer.export.ReloadedModel;
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
        TrainingResult r = new Trainer()
                .train(TrainingConfig.builder()
                        .setDataset("koch")
                        .optWidthMultiplier(0.125)
                        .setEpochs(KOCH_EPOCHS)
                        .optSchedule(LearningRateSchedule.parse("5e-3:" + (KOCH_EPOCHS - 5) + ",5e-4"))
                        .setOut(tmp.resolve("koch"))
                        .build());
        assertThat(r.metadata().task()).isEqualTo(ModelMetadata.Task.BINARY);
        assertThat(r.metadata().loss().get("name").asText())
                .as("the binary default loss, Eq. 1")
                .isEqualTo("hkr");
        assertThat(r.evaluation().testAccuracy()).isGreaterThan(0.95);
        assertThat(r.evaluation().boundaryResidual()).isLessThan(0.05);
        // the published residual against one computed here: x_δ = x − f(x)∇f(x) (paper Prop. 2) from the reloaded
        // checkpoint's explain gradient, then |f(x_δ)| through serving_default, on the same test points
        TrainingConfig config = TrainingConfig.builder()
                .setDataset("koch")
                .setEpochs(1)
                .setOut(tmp.resolve("unused"))
                .build();
        Dataset test = DataSources.load(config).test();
        int n = test.size();
        double residual = 0;
        try (ReloadedModel m = new ReloadedModel(r.checkpoint(), test.shape(), 1)) {
            var e = m.explain(test.images(), n);
            float[] moved = new float[n * 2];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < 2; j++)
                    moved[i * 2 + j] = test.images()[i * 2 + j] - e.logits()[i] * e.gradTop1()[i * 2 + j];
            }
            float[] f = m.logits(moved, n);
            for (int i = 0; i < n; i++) residual += Math.abs(f[i]) / n;
        }
        assertThat(n).isEqualTo(1000);
        assertThat(r.metadata().evaluation().get("boundaryResidual").asDouble()).isCloseTo(residual, within(1e-6));
        assertThat(r.evaluation().gradientNorm()[2]).isLessThanOrEqualTo(1 + 1e-3);
    }

    static final int KOCH_EPOCHS = 30;
}
