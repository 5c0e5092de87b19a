package io.otnn.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.losses.LossSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The presets' layers and the defaults a run takes from its preset. */
class PresetsTest {

    @Test
    void shouldFollowDeelLipsDemoFourWhenCnnPresetAtWidthOne() {
        Architecture a = Presets.create("cnn", true, 1.0, 10);
        assertThat(a.describeLayers())
                .containsExactly(
                        "SpectralConv2D(64, 3x3)",
                        "GroupSort2",
                        "SpectralConv2D(64, 3x3)",
                        "GroupSort2",
                        "ScaledL2NormPooling2D(2)",
                        "SpectralConv2D(128, 3x3)",
                        "GroupSort2",
                        "SpectralConv2D(128, 3x3)",
                        "GroupSort2",
                        "ScaledL2NormPooling2D(2)",
                        "SpectralConv2D(256, 3x3)",
                        "GroupSort2",
                        "SpectralConv2D(256, 3x3)",
                        "GroupSort2",
                        "ScaledGlobalAveragePooling2D",
                        "SpectralDense(512)",
                        "GroupSort2",
                        "FrobeniusDense(10)");
        assertThat(a.certificateFactor(10)).isEqualTo(2.0);
        assertThat(Presets.create("cnn", true, 0.25, 10).describeLayers())
                .contains("SpectralConv2D(16, 3x3)", "SpectralConv2D(64, 3x3)", "SpectralDense(128)");
    }

    @Test
    void shouldSwapTheConvolutionsAndPoolingsForOrthogonalOnesWhenCnnSoc() {
        Architecture a = Presets.create("cnn-soc", true, 1.0, 10);
        assertThat(a.describeLayers())
                .containsExactly(
                        "OrthogonalConv2D(64, 3x3)",
                        "GroupSort2",
                        "OrthogonalConv2D(64, 3x3)",
                        "GroupSort2",
                        "InvertibleDownSampling(2)",
                        "OrthogonalConv2D(128, 3x3)",
                        "GroupSort2",
                        "OrthogonalConv2D(128, 3x3)",
                        "GroupSort2",
                        "InvertibleDownSampling(2)",
                        "OrthogonalConv2D(256, 3x3)",
                        "GroupSort2",
                        "OrthogonalConv2D(256, 3x3)",
                        "GroupSort2",
                        "ScaledGlobalAveragePooling2D",
                        "SpectralDense(512)",
                        "GroupSort2",
                        "FrobeniusDense(10)");
        assertThat(a.preset()).isEqualTo("cnn-soc");
        assertThat(a.certificateFactor(10)).isEqualTo(2.0);
        assertThatThrownBy(() -> Presets.create("cnn-soc", false, 1.0, 10))
                .hasMessageContaining("no unconstrained twin");
        TrainingConfig soc = base().optArchitecture("cnn-soc").build();
        assertThat(soc.loss()).isEqualTo(new LossSpec(LossSpec.Kind.HKR_SOFT, 50f, 0.2f, 10f));
        assertThat(soc.schedule().at(0)).isEqualTo(5e-4f);
        assertThat(soc.widthMultiplier()).isEqualTo(Presets.DEFAULT_CNN_WIDTH);
    }

    @Test
    void shouldNeverWidenWhenCnnGnp() {
        Architecture a = Presets.create("cnn-gnp", true, 1.0, 10);
        assertThat(a.describeLayers())
                .containsExactly(
                        "InvertibleDownSampling(2)",
                        "OrthogonalConv2D(4, 3x3)",
                        "GroupSort2",
                        "OrthogonalConv2D(4, 3x3)",
                        "GroupSort2",
                        "InvertibleDownSampling(2)",
                        "OrthogonalConv2D(16, 3x3)",
                        "GroupSort2",
                        "OrthogonalConv2D(16, 3x3)",
                        "GroupSort2",
                        "Flatten",
                        "SpectralDense(512)",
                        "GroupSort2",
                        "SpectralDense(512)",
                        "GroupSort2",
                        "SpectralDense(10)");
        assertThat(a.certificateFactor(10)).isEqualTo(Math.sqrt(2));
        assertThat(a.gradCamLayer()).isEqualTo(9);
        assertThatThrownBy(() -> Presets.create("cnn-gnp", false, 1.0, 10))
                .hasMessageContaining("no unconstrained twin");
        TrainingConfig gnp = base().optArchitecture("cnn-gnp").build();
        assertThat(gnp.loss().kind()).isEqualTo(LossSpec.Kind.HKR_SOFTMAX);
        assertThat(gnp.widthMultiplier()).isEqualTo(1.0);
    }

    @Test
    void shouldUseBatchNormReluAndMaxPoolingWhenCnnTwinIsUnconstrained() {
        List<String> layers = Presets.create("cnn", false, 0.5, 10).describeLayers();
        assertThat(layers).filteredOn(l -> l.startsWith("MaxPooling2D")).hasSize(2);
        assertThat(layers).filteredOn(l -> l.startsWith("BatchNormalization")).hasSize(7);
        assertThat(layers).filteredOn(l -> l.equals("ReLU")).hasSize(7);
        assertThat(layers.get(layers.size() - 1)).isEqualTo("Dense(10)");
    }

    @Test
    void shouldKeepThePapersTableFourNetworkWhenVgg() {
        Architecture a = Presets.create("vgg", true, 0.25, 10);
        assertThat(a.describeLayers()).hasSize(2 * 11 + 2).contains("SpectralConv2D(24, 3x3, stride 2)");
        assertThat(a.preset()).isEqualTo("vgg");
        assertThatThrownBy(() -> Presets.create("resnet", true, 1, 10))
                .hasMessageContaining("valid: dense, cnn, cnn-soc, cnn-gnp, vgg");
    }

    @Test
    void shouldTakeTheRecipesLossAndLearningRateWhenCnnIsGivenNone() {
        TrainingConfig cnn = base().optArchitecture("cnn").build();
        assertThat(cnn.loss()).isEqualTo(new LossSpec(LossSpec.Kind.HKR_SOFT, 50f, 0.2f, 10f));
        assertThat(cnn.schedule().at(0)).isEqualTo(5e-4f);
        assertThat(cnn.schedule().at(99)).isEqualTo(5e-4f);
        assertThat(cnn.widthMultiplier()).isEqualTo(Presets.DEFAULT_CNN_WIDTH);

        TrainingConfig chosen = base().optArchitecture("cnn")
                .optLoss(LossSpec.Kind.HKR_SOFT)
                .optMargin(0.4f)
                .build();
        assertThat(chosen.loss()).isEqualTo(new LossSpec(LossSpec.Kind.HKR_SOFT, 50f, 0.4f, 10f));

        TrainingConfig twin = base().optArchitecture("cnn")
                .optLoss(LossSpec.Kind.CROSS_ENTROPY)
                .build();
        assertThat(twin.constrained()).isFalse();

        TrainingConfig dense = base().build();
        assertThat(dense.loss()).isEqualTo(new LossSpec(LossSpec.Kind.HKR_SOFTMAX, 5f, 0.5f, 10f));
        assertThat(dense.schedule().at(60)).isEqualTo(5e-5f);
    }

    private static TrainingConfig.Builder base() {
        return TrainingConfig.builder().setDataset("fashion-mnist").setEpochs(1).setOut(Path.of("/tmp/unused"));
    }
}
