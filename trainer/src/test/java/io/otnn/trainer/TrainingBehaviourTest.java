package io.otnn.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.checkpoint.SignatureContract;
import io.otnn.datasets.DataSetNames;
import io.otnn.trainer.data.DataSources;
import io.otnn.trainer.eval.ModelRunner;
import io.otnn.trainer.eval.RobustnessEvaluation;
import io.otnn.trainer.export.CheckpointPublisherAccess;
import io.otnn.trainer.export.PublishRefusedException;
import io.otnn.trainer.export.ReloadedModel;
import io.otnn.trainer.layers.Param;
import io.otnn.trainer.layers.TestMatrices;
import io.otnn.trainer.losses.LossSpec;
import io.otnn.trainer.train.LearningRateSchedule;
import io.otnn.trainer.train.StopSignal;
import io.otnn.trainer.train.TrainingState;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.types.TFloat32;

/** Seeds, resume and stop, baselines and the cnn preset, on small slices of the fixture. */
class TrainingBehaviourTest {

    @TempDir
    Path tmp;

    private TrainingConfig.Builder small(String out) {
        return TrainingConfig.builder()
                .setDataset("fashion-mnist")
                .optDataDir(Fixtures.fashionMnistMini())
                .optLimit(256)
                .optTestLimit(100)
                .optWidthMultiplier(0.125)
                .setEpochs(2)
                .setOut(tmp.resolve(out));
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
        assertThat(resumed.evaluation().meanCertificate())
                .isEqualTo(straight.evaluation().meanCertificate());
    }

    @Test
    void shouldRefuseToResumeWhenTheStateBelongsToAnotherRun() throws Exception {
        new Trainer().train(small("r").setEpochs(1).build());
        assertThatThrownBy(() -> new Trainer()
                        .train(small("r").optSeed(99).optResume(true).build()))
                .hasMessageContaining("different run");
    }

    /**
     * The baseline's published L and per-layer bounds against the frozen weights read back from the SavedModel's
     * variables: a dense kernel's largest singular value by one-sided Jacobi SVD (not the trainer's power iteration),
     * a condensed batch norm's max |scale|, 1 for ReLU and Flatten. Then its certificates against a direct
     * evaluation with that L.
     */
    @Test
    void shouldEstimateTheLipschitzConstantWhenTheBaselineIsUnconstrained() throws Exception {
        TrainingResult r = new Trainer()
                .train(small("base")
                        .optLoss(LossSpec.Kind.CROSS_ENTROPY)
                        .optSchedule(LearningRateSchedule.constant(1e-3))
                        .build());
        ModelMetadata m = r.metadata();
        assertThat(m.architecture().get("constrained").asBoolean()).isFalse();
        var layers = m.architecture().get("layers");
        var published = m.architecture().get("layerLipschitz");
        assertThat(published.size()).isEqualTo(layers.size());
        double product = 1;
        int kernels = 0;
        try (ReloadedModel model = new ReloadedModel(r.checkpoint(), new long[] {28, 28, 1}, 10)) {
            for (int i = 0; i < layers.size(); i++) {
                String layer = layers.get(i).asText();
                double expected = 1;
                if (layer.startsWith("Dense")) {
                    Param k = variable(r.checkpoint(), "layer" + i + "/w0");
                    double[][] kernel = new double[k.rows()][k.cols()];
                    for (int a = 0; a < k.rows(); a++)
                        for (int b = 0; b < k.cols(); b++) kernel[a][b] = k.values()[a * k.cols() + b];
                    if (k.rows() < k.cols()) kernel = TestMatrices.transpose(kernel);
                    expected = Arrays.stream(TestMatrices.jacobiSvd(kernel).s())
                            .max()
                            .orElseThrow();
                    kernels++;
                } else if (layer.startsWith("BatchNormalization")) {
                    expected = 0;
                    for (float v : variable(r.checkpoint(), "layer" + i + "/w0").values())
                        expected = Math.max(expected, Math.abs(v));
                } else {
                    assertThat(layer).isIn("Flatten", "ReLU");
                }
                assertThat(published.get(i).asDouble())
                        .as("layer %d %s", i, layer)
                        .isCloseTo(expected, within(1e-4 * expected));
                product *= expected;
            }
            assertThat(kernels).isEqualTo(3);
            assertThat(m.lipschitzConstant()).isGreaterThan(1.0).isCloseTo(product, within(1e-4 * product));
            var test = DataSources.readIdx(Fixtures.fashionMnistMini(), "t10k", DataSetNames.FASHION_MNIST_CLASSES)
                    .limit(100);
            EndToEndTest.assertMetadataMatchesADirectEvaluation(
                    m, DirectEvaluation.of(model, test, 10, product, Math.sqrt(2)));
        }
        assertThat(r.evaluation().gradientNorm()[2]).isLessThanOrEqualTo(m.lipschitzConstant());
        assertThat(r.evaluation().testAccuracy()).isGreaterThan(0.3);
    }

    /** A variable of the exported graph, read with TF Java (the explainer's loader does not expose variables). */
    private static Param variable(Path checkpoint, String name) {
        try (SavedModelBundle bundle = SavedModelBundle.load(checkpoint.toString(), SignatureContract.TAG);
                Result result = bundle.session().runner().fetch(name).run()) {
            return Param.of((TFloat32) result.get(0));
        }
    }

    @Test
    void shouldExportThePapersTableFourNetworkWhenVggTrainsBriefly() throws Exception {
        TrainingResult r = new Trainer()
                .train(small("vgg")
                        .optArchitecture("vgg")
                        .optLimit(256)
                        .optTestLimit(64)
                        .optWidthMultiplier(0.0625)
                        .setEpochs(1)
                        .build());
        assertThat(r.metadata().architecture().get("layers").size()).isEqualTo(2 * 11 + 2);
        assertThat(r.evaluation().gradientNorm()[2]).isLessThanOrEqualTo(1 + 1e-3);
    }

    private static RobustnessEvaluation withGradients(double maxGradient, double maxMarginGradient) {
        return new RobustnessEvaluation(
                1,
                1,
                new TreeMap<>(),
                0,
                new double[] {1, 1, maxGradient},
                maxMarginGradient,
                Double.NaN,
                new double[] {1},
                new double[] {1},
                new TreeMap<>(),
                new double[] {0});
    }

    /** ‖∇ₓ f_top1‖ ≤ L(1 + 1e-3) and ‖∇ₓ (f_top1 − f_top2)‖ ≤ c·L(1 + 5e-3), each tested on both sides of its bound. */
    @Test
    void shouldRefuseToPublishWhenAGradientExceedsItsBound() {
        double c = Math.sqrt(2);
        assertThatCode(() -> CheckpointPublisherAccess.checkGradients(withGradients(1.0009, c * 1.0049), 1.0, c, 10))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> CheckpointPublisherAccess.checkGradients(withGradients(1.0011, c), 1.0, c, 10))
                .isInstanceOf(PublishRefusedException.class)
                .hasMessageContaining("‖∇ₓ f_top1‖")
                .hasMessageContaining("refusing to publish");
        assertThatThrownBy(() -> CheckpointPublisherAccess.checkGradients(withGradients(1.0, c * 1.0051), 1.0, c, 10))
                .isInstanceOf(PublishRefusedException.class)
                .hasMessageContaining("‖∇ₓ (f_top1 − f_top2)‖")
                .hasMessageContaining("c·L(1 + 5e-3)");
        // the bounds scale with L (an unconstrained model's estimate); one logit has no margin check
        assertThatCode(() -> CheckpointPublisherAccess.checkGradients(withGradients(200, 290), 211, c, 10))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> CheckpointPublisherAccess.checkGradients(withGradients(212, 1), 211, c, 10))
                .isInstanceOf(PublishRefusedException.class);
        assertThatCode(() -> CheckpointPublisherAccess.checkGradients(withGradients(1.0, 99), 1.0, 1.0, 1))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> CheckpointPublisherAccess.checkGradients(withGradients(Double.NaN, c), 1.0, c, 10))
                .isInstanceOf(PublishRefusedException.class);
    }

    /**
     * The reloaded model's logits must equal the training graph's within 1e-4·(1 + |f|): a real reloaded checkpoint
     * compared with itself passes, and with one logit moved by 2e-4·(1 + |f|) (a fault put into its output) is refused;
     * moved by 5e-5·(1 + |f|) it passes.
     */
    @Test
    void shouldRefuseToPublishWhenTheReloadedLogitsDifferFromTheTrainingGraphs() throws Exception {
        TrainingResult r = new Trainer().train(small("logits").setEpochs(1).build());
        var test = DataSources.readIdx(Fixtures.fashionMnistMini(), "t10k", DataSetNames.FASHION_MNIST_CLASSES)
                .limit(100);
        try (ReloadedModel model = new ReloadedModel(r.checkpoint(), new long[] {28, 28, 1}, 10)) {
            assertThatCode(() -> CheckpointPublisherAccess.checkLogits(model, model, test))
                    .doesNotThrowAnyException();
            assertThatThrownBy(() -> CheckpointPublisherAccess.checkLogits(model, shifted(model, 537, 2e-4), test))
                    .isInstanceOf(PublishRefusedException.class)
                    .hasMessageContaining("logit 537")
                    .hasMessageContaining("refusing to publish");
            assertThatCode(() -> CheckpointPublisherAccess.checkLogits(model, shifted(model, 537, 5e-5), test))
                    .doesNotThrowAnyException();
        }
    }

    /** {@code model} with logit {@code index} (of the flattened batch) moved by {@code relative}·(1 + |f|). */
    private static ModelRunner shifted(ModelRunner model, int index, double relative) {
        return new ModelRunner() {
            @Override
            public int logitCount() {
                return model.logitCount();
            }

            @Override
            public float[] logits(float[] images, int n) {
                float[] f = model.logits(images, n);
                f[index] += (float) (relative * (1 + Math.abs(f[index])));
                return f;
            }

            @Override
            public Outputs explain(float[] images, int n) {
                return model.explain(images, n);
            }
        };
    }

    @Test
    void shouldTrainAndPublishWhenTheLossIsMulticlassHkr() throws Exception {
        TrainingResult r = new Trainer()
                .train(small("eq4")
                        .optLimit(512)
                        .optLoss(LossSpec.Kind.HKR_MULTICLASS)
                        .optSchedule(LearningRateSchedule.constant(1e-3))
                        .build());
        assertThat(r.metadata().loss().get("name").asText()).isEqualTo("hkr-multiclass");
        assertThat(r.metadata().loss().get("parameters").get("lambda").asDouble())
                .isEqualTo(5.0);
        assertThat(r.evaluation().testAccuracy()).isGreaterThan(0.4); // chance is 0.1
        assertThat(r.evaluation().gradientNorm()[2]).isLessThanOrEqualTo(1 + 1e-3);
    }

    @Test
    void shouldNameTheDigitsWhenTheDataSetIsMnist() throws Exception {
        // the fixture has MNIST's IDX layout and file names; --data mnist only changes the class names
        TrainingResult r = new Trainer()
                .train(small("mnist")
                        .setDataset("mnist")
                        .optLimit(512)
                        .optSchedule(LearningRateSchedule.constant(2e-3))
                        .build());
        assertThat(r.metadata().classNames()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        assertThat(r.metadata().training().get("dataset").asText()).isEqualTo("mnist");
        assertThat(r.evaluation().testAccuracy()).isGreaterThan(0.2); // chance is 0.1
    }
}
