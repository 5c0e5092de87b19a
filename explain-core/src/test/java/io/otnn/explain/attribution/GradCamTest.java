package io.otnn.explain.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.otnn.explain.Explainer;
import io.otnn.explain.ModelException;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.metrics.Evaluation;
import io.otnn.explain.metrics.EvaluationTable;
import io.otnn.explain.testing.ConvFixture;
import io.otnn.explain.testing.Fixtures;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Grad-CAM read from a real {@code gradcam} signature against a plain-Java Grad-CAM of the same weights. */
class GradCamTest {

    @TempDir
    Path tmp;

    @Test
    void shouldEqualThePlainJavaGradCamOfEachRequestedClassWhenTheCheckpointHasTheSignature() throws Exception {
        ConvFixture fixture = new ConvFixture(21);
        int size = ConvFixture.H * ConvFixture.W;
        float[][] images = Fixtures.images(5, 6, size);
        int[] labels = {0, 1, 2, 3, 1, 2};
        try (OtnnModel model = OtnnModel.load(fixture.export(tmp.resolve("conv")));
                Explainer explainer = model.newExplainer()) {
            assertThat(explainer.hasGradCam()).isTrue();
            GradCam gradCam = new GradCam();
            assertThat(gradCam.unavailableReason(explainer)).isNull();
            float[][] maps = gradCam.attribute(explainer, images, labels);
            int positive = 0;
            for (int i = 0; i < images.length; i++) {
                double[] expected = fixture.gradCam(images[i], labels[i]);
                for (int p = 0; p < size; p++) {
                    assertThat((double) maps[i][p]).isCloseTo(expected[p], within(1e-5));
                    if (expected[p] > 0) positive++;
                }
                // the engine's logits are the fixture's
                double[] logits = fixture.logits(images[i]);
                float[] engine = explainer.logits(new float[][] {images[i]})[0];
                for (int k = 0; k < ConvFixture.K; k++)
                    assertThat((double) engine[k]).isCloseTo(logits[k], within(1e-4));
            }
            assertThat(positive).isPositive(); // not a vacuous all-zero comparison
        }
    }

    @Test
    void shouldReportGradCamUnavailableAndRefuseItWhenTheCheckpointHasNoConvolution() throws Exception {
        try (OtnnModel model = OtnnModel.load(Fixtures.denseMnist());
                Explainer explainer = model.newExplainer()) {
            GradCam gradCam = new GradCam();
            assertThat(explainer.hasGradCam()).isFalse();
            assertThat(gradCam.unavailableReason(explainer)).contains("no 'gradcam' signature");
            assertThatThrownBy(() -> gradCam.attribute(explainer, new float[][] {new float[784]}, new int[1]))
                    .isInstanceOf(ModelException.class)
                    .hasMessageContaining("Grad-CAM is unavailable for 'fixture-dense'");
            EvaluationTable table = new EvaluationTable();
            Evaluation.run(
                    "dense",
                    explainer,
                    Fixtures.images(1, 2, 784),
                    null,
                    List.of(new Saliency(), gradCam),
                    Evaluation.Options.paperDefaults(),
                    table,
                    done -> {});
            assertThat(table.unavailableReason("dense", "GradCAM")).contains("gradcam");
            assertThat(table.toMarkdown()).contains("| GradCAM | n/a |");
            assertThat(table.get(
                            "dense",
                            "Saliency",
                            Evaluation.metricNames(Evaluation.Options.paperDefaults())
                                    .get(0)))
                    .isBetween(-1.0, 1.0);
        }
    }
}
