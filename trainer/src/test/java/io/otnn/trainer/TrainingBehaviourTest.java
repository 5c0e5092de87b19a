package io.otnn.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.otnn.explain.checkpoint.ModelMetadata;
import io.otnn.trainer.export.PublishRefusedException;
import io.otnn.trainer.losses.LossSpec;
import io.otnn.trainer.train.LearningRateSchedule;
import io.otnn.trainer.train.StopSignal;
import io.otnn.trainer.train.TrainingState;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Seeds, resume and stop, baselines and the cnn preset, on small slices of the fixture. */
class TrainingBehaviourTest {

    @TempDir
    Path tmp;

    private TrainingConfig.Builder small(String out) {
        return TrainingConfig.builder().setDataset("fashion-mnist").optDataDir(Fixtures.fashionMnistMini())
                .optLimit(256).optTestLimit(100).optWidthMultiplier(0.125).setEpochs(2).setOut(tmp.resolve(out));
    }

    @Test
    void shouldGiveTheSameModelWhenTheSeedIsTheSame() throws Exception {
        TrainingResult a = new Trainer().train(small("a").optSeed(7).build());
        TrainingResult b = new Trainer().train(small("b").optSeed(7).build());
        TrainingResult c = new Trainer().train(small("c").optSeed(8).build());
        assertThat(b.evaluation().meanCertificate()).isEqualTo(a.evaluation().meanCertificate());
        assertThat(b.evaluation().testAccuracy()).isEqualTo(a.evaluation().testAccuracy());
        assertThat(c.evaluation().meanCertificate()).isNotEqualTo(a.evaluation().meanCertificate());
    }

    @Test
    void shouldKeepTheLastGoodStateAndResumeWhenStoppedMidway() throws Exception {
        StopSignal stop = new StopSignal();
        stop.request();
        TrainingResult stopped = new Trainer(stop).train(small("s").build());
        assertThat(stopped.stopped()).isTrue();
        assertThat(stopped.checkpoint()).isNull();
        TrainingState state = TrainingState.read(tmp.resolve("s.state"));
        assertThat(state.epoch()).isZero();
        assertThat(state.step()).isZero();

        TrainingResult one = new Trainer().train(small("s").setEpochs(1).build());
        assertThat(TrainingState.read(tmp.resolve("s.state")).epoch()).isEqualTo(1);
        TrainingResult resumed = new Trainer().train(small("s").optResume(true).build());
        TrainingResult straight = new Trainer().train(small("straight").build());
        assertThat(one.epochsCompleted()).isEqualTo(1);
        assertThat(resumed.epochsCompleted()).isEqualTo(2);
        // resuming after epoch 1 gives the model of an uninterrupted 2-epoch run
        assertThat(resumed.evaluation().meanCertificate()).isEqualTo(straight.evaluation().meanCertificate());
    }

    @Test
    void shouldRefuseToResumeWhenTheStateBelongsToAnotherRun() throws Exception {
        new Trainer().train(small("r").setEpochs(1).build());
        assertThatThrownBy(() -> new Trainer().train(small("r").optSeed(99).optResume(true).build()))
                .hasMessageContaining("different run");
    }

    @Test
    void shouldEstimateTheLipschitzConstantWhenTheBaselineIsUnconstrained() throws Exception {
        TrainingResult r = new Trainer().train(small("base").optLoss(LossSpec.Kind.CROSS_ENTROPY)
                .optSchedule(LearningRateSchedule.constant(1e-3)).build());
        ModelMetadata m = r.metadata();
        assertThat(m.architecture().get("constrained").asBoolean()).isFalse();
        assertThat(m.lipschitzConstant()).isGreaterThan(1.0);
        double product = 1;
        for (var l : m.architecture().get("layerLipschitz")) product *= l.asDouble();
        assertThat(m.lipschitzConstant()).isEqualTo(product);
        assertThat(r.evaluation().gradientNorm()[2]).isLessThanOrEqualTo(m.lipschitzConstant());
        assertThat(r.evaluation().testAccuracy()).isGreaterThan(0.3);
    }

    @Test
    void shouldExportTheCnnWhenTrainedBriefly() throws Exception {
        TrainingResult r = new Trainer().train(small("cnn").optArchitecture("cnn").optLimit(256).optTestLimit(64)
                .optWidthMultiplier(0.0625).setEpochs(1).build());
        assertThat(r.metadata().architecture().get("layers").size()).isEqualTo(2 * 11 + 2);
        assertThat(r.evaluation().gradientNorm()[2]).isLessThanOrEqualTo(1 + 1e-3);
    }

    @Test
    void shouldRefuseToPublishWhenAGradientExceedsTheBound() {
        var e = new io.otnn.trainer.eval.Evaluation(1, 1, new java.util.TreeMap<>(), 0, new double[] {1, 1, 1.01}, 1, Double.NaN,
                new double[] {1}, new double[] {1}, new java.util.TreeMap<>());
        assertThatThrownBy(() -> io.otnn.trainer.export.CheckpointPublisherAccess.checkGradients(e, 1.0, Math.sqrt(2), 10))
                .isInstanceOf(PublishRefusedException.class).hasMessageContaining("refusing to publish");
    }
}
