package io.otnn.training.requests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.otnn.avro.TrainingRequest;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.losses.LossSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TrainingRequestValidatorTest {

    static final Path OUT = Path.of("out");
    static final Path STATE = Path.of("state");

    private static TrainingRequest.Builder request() {
        return TrainingRequests.builder("m", "fashion-mnist", "/data/fmnist", 3);
    }

    @Test
    void shouldMapEveryFieldWhenTheRequestIsGood() throws Exception {
        TrainingConfig c = TrainingRequestValidator.toConfig(
                request()
                        .setPreset("cnn")
                        .setWidthMultiplier(0.5)
                        .setLoss("hkr-multiclass")
                        .setLambda(2.0)
                        .setMargin(0.25)
                        .setAlpha(4.0)
                        .setLearningRate("1e-3:2,1e-4")
                        .setBatchSize(64)
                        .setSeed(9)
                        .setTrainLimit(300)
                        .setTestLimit(50)
                        .build(),
                OUT,
                STATE);
        assertThat(c.dataset()).isEqualTo("fashion-mnist");
        assertThat(c.dataDir()).isEqualTo(Path.of("/data/fmnist"));
        assertThat(c.architecture()).isEqualTo("cnn");
        assertThat(c.widthMultiplier()).isEqualTo(0.5);
        assertThat(c.loss()).isEqualTo(new LossSpec(LossSpec.Kind.HKR_MULTICLASS, 2f, 0.25f, 4f));
        assertThat(c.schedule().at(1)).isEqualTo(1e-3f);
        assertThat(c.schedule().at(2)).isEqualTo(1e-4f);
        assertThat(c.batchSize()).isEqualTo(64);
        assertThat(c.seed()).isEqualTo(9);
        assertThat(c.limit()).isEqualTo(300);
        assertThat(c.testLimit()).isEqualTo(50);
        assertThat(c.epochs()).isEqualTo(3);
        assertThat(c.name()).isEqualTo("m");
        assertThat(c.out()).isEqualTo(OUT);
        assertThat(c.effectiveStateDir()).isEqualTo(STATE);
        assertThat(c.resume()).isTrue();
    }

    @Test
    void shouldReadTheSourceKindWhenTheSourceIsIdxOrAFolder() throws Exception {
        TrainingConfig idx = TrainingRequestValidator.toConfig(
                request().setDataSource("idx:/x/mnist").setDataDir(null).build(), OUT, STATE);
        assertThat(idx.dataset()).isEqualTo("mnist");
        assertThat(idx.dataDir()).isEqualTo(Path.of("/x/mnist"));
        TrainingConfig dir = TrainingRequestValidator.toConfig(
                request().setDataSource("dir:/x/pictures").setDataDir(null).build(), OUT, STATE);
        assertThat(dir.dataset()).isEqualTo("folder");
        assertThat(dir.dataDir()).isEqualTo(Path.of("/x/pictures"));
        TrainingConfig koch = TrainingRequestValidator.toConfig(
                request().setDataSource("koch").setDataDir(null).build(), OUT, STATE);
        assertThat(koch.binary()).isTrue();
    }

    @Test
    void shouldRefuseWithOneLineWhenAFieldIsBad() {
        reject(request().setDataSource("cifar"), "unknown data source 'cifar'");
        reject(request().setDataSource("fashion-mnist").setDataDir(null), "needs dataDir");
        reject(request().setDataSource("idx:"), "idx: names no folder");
        reject(request().setEpochs(0), "epochs must be at least 1, got 0");
        reject(request().setBatchSize(0), "batch size must be at least 1");
        reject(request().setLambda(0.0), "lambda must be > 0, got 0.0");
        reject(request().setLambda(-2.0), "lambda must be > 0, got -2.0");
        reject(request().setMargin(Double.NaN), "margin must be > 0");
        reject(request().setWidthMultiplier(0.0), "widthMultiplier must be > 0");
        reject(request().setLearningRate("fast"), "learning");
        reject(request().setLearningRate("1e-3:5,1e-4:2,1e-5"), "boundaries must increase");
        reject(request().setLoss("mse"), "mse");
        reject(request().setLoss("hkr"), "binary loss");
        reject(request().setPreset("resnet"), "unknown preset 'resnet'");
        reject(request().setModelName("../x"), "bad model name '../x'");
        reject(request().setModelName(""), "bad model name ''");
        reject(request().setTrainLimit(0), "trainLimit must be at least 1");
        reject(request().setRequestId(" "), "bad request id");
    }

    private static void reject(TrainingRequest.Builder b, String reason) {
        assertThatThrownBy(() -> TrainingRequestValidator.toConfig(b.build(), OUT, STATE))
                .isInstanceOf(RequestRejectedException.class)
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
