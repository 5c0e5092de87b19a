package io.otnn.streams.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.otnn.avro.ModelCheckpoint;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.testing.Fixtures;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.explaining.OtnnEngine;
import io.otnn.streams.testing.SwapFixtures;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verifier's checks on real checkpoints (TensorFlow SavedModels exported by the tests). */
class CheckpointVerifierTest {

    @TempDir
    Path tmp;

    private final CheckpointVerifier verifier = new CheckpointVerifier(64);

    private static ModelMetadata serving() {
        return ModelMetadata.read(Fixtures.denseMnist().resolve(ModelMetadata.FILE_NAME));
    }

    @Test
    void shouldAcceptAndWarmUpWhenTheCheckpointIsWhatItsAnnouncementSays() throws Exception {
        Path v2 = SwapFixtures.dense(2);
        try (OtnnEngine engine = verifier.verify(SwapFixtures.event(v2), v2, serving(), List.of())) {
            assertThat(engine.model().version()).isEqualTo(2);
            assertThat(engine.model().name()).isEqualTo(SwapFixtures.NAME);
        }
        assertThat(verifier.warmUpSizes()).containsExactly(1, 8, 64);
    }

    @Test
    void shouldRefuseWhenAFileUnderVariablesChangedAfterTheAnnouncement() throws Exception {
        Path copy = Fixtures.copy(SwapFixtures.dense(2), tmp.resolve("v2"));
        ModelCheckpoint event = SwapFixtures.event(copy);
        SwapFixtures.tamperVariables(copy);
        assertThatThrownBy(() -> verifier.verify(event, copy, serving(), List.of()))
                .isInstanceOf(RefusedCheckpoint.class)
                .hasMessageContaining("variables");
    }

    @Test
    void shouldRefuseWhenTheManifestDigestDiffersFromTheAnnouncement() {
        Path v2 = SwapFixtures.dense(2);
        ModelCheckpoint event = SwapFixtures.event(v2);
        event.setManifestDigest(SwapFixtures.event(Fixtures.denseMnist()).getManifestDigest());
        assertThatThrownBy(() -> verifier.verify(event, v2, serving(), List.of()))
                .isInstanceOf(RefusedCheckpoint.class)
                .hasMessageContaining("manifest digest")
                .hasMessageContaining(event.getManifestDigest());
    }

    @Test
    void shouldRefuseWhenTheInputShapeDiffersFromTheServingModel() {
        Path wrong = SwapFixtures.wrongShape(3);
        assertThatThrownBy(() -> verifier.verify(SwapFixtures.event(wrong), wrong, serving(), List.of()))
                .isInstanceOf(RefusedCheckpoint.class)
                .hasMessage("wrong input shape [6, 5, 2]: the serving model takes [28, 28, 1]");
    }

    @Test
    void shouldRefuseWhenTheMetadataDiffersFromTheAnnouncement() {
        Path v2 = SwapFixtures.dense(2);
        ModelCheckpoint event = SwapFixtures.event(v2);
        event.setVersion(7);
        event.setInputShape(List.of(28, 28, 3));
        assertThatThrownBy(() -> verifier.verify(event, v2, serving(), List.of()))
                .isInstanceOf(RefusedCheckpoint.class)
                .hasMessageContaining("version 2 (announced 7)")
                .hasMessageContaining("input shape [28, 28, 1] (announced [28, 28, 3])");
    }

    @Test
    void shouldRefuseWhenTheGradientsBreakTheClaimedLipschitzConstant() throws Exception {
        Path steep = SwapFixtures.tooSteep(4);
        assertThatThrownBy(() -> verifier.verify(SwapFixtures.event(steep), steep, serving(), List.of()))
                .isInstanceOf(RefusedCheckpoint.class)
                .hasMessageContaining("self-test")
                .hasMessageContaining("exceeds L(1 + 1e-3)");
        // independently: each of its logits has gradient norm 3 by construction
        try (OtnnEngine engine = OtnnEngine.load(steep);
                BatchExplainer explainer = engine.newExplainer()) {
            ImageExplanation e = explainer.explain(Fixtures.images(1, 1, 784)).get(0);
            double norm = 0;
            for (float v : e.signedGradient()) {
                norm += v * v;
            }
            assertThat(Math.sqrt(norm)).isCloseTo(3.0, org.assertj.core.data.Offset.offset(1e-3));
        }
    }

    @Test
    void shouldPassTheSelfTestOnRealOneLipschitzModelsAndFailWhenTheResidualIsInconsistent() throws Exception {
        Path v1 = Fixtures.denseMnist();
        try (OtnnEngine engine = OtnnEngine.load(v1);
                BatchExplainer explainer = engine.newExplainer()) {
            List<ImageExplanation> results =
                    explainer.explain(SelfTest.images(engine.model().input(), List.of(), 3));
            assertThat(results).hasSize(SelfTest.SYNTHETIC_IMAGES);
            assertThat(SelfTest.problem(engine.model(), results)).isEmpty();
            // the same results claimed by a model with L = 0.5: the gradients (norm ≈ 1) break it
            ModelMetadata m = engine.model();
            ModelMetadata halved = new ModelMetadata(
                    m.formatVersion(),
                    m.name(),
                    m.version(),
                    m.createdAt(),
                    m.task(),
                    m.classNames(),
                    m.input(),
                    0.5,
                    m.certificateFactor(),
                    m.architecture(),
                    m.loss(),
                    m.training(),
                    m.evaluation(),
                    m.reference());
            assertThat(SelfTest.problem(halved, results)).get().asString().contains("exceeds");
            // a residual that moved more than the Lipschitz bound allows over ‖x_δ − x‖
            ImageExplanation e = results.get(0);
            ImageExplanation off = new ImageExplanation(
                    e.scores(),
                    e.predicted(),
                    e.predictedName(),
                    e.runnerUp(),
                    e.runnerUpName(),
                    e.targeted(),
                    e.margin(),
                    e.radius(),
                    e.certificateFactor(),
                    e.lipschitz(),
                    e.saliency(),
                    e.signedGradient(),
                    e.boundaryPoint(),
                    e.counterfactual(),
                    e.t(),
                    e.distance(),
                    e.boundaryDistance(),
                    e.counterfactualClass(),
                    e.margin() + 3 * Math.sqrt(2) * e.boundaryDistance() + 1);
            assertThat(SelfTest.problem(m, List.of(off))).get().asString().contains("boundary residual");
        }
    }

    @Test
    void shouldSelfTestOnRecentRealImagesFirstWhenTheStreamHasDecodedSome() {
        float[] real = new float[784];
        java.util.Arrays.fill(real, 0.25f);
        float[][] images = SelfTest.images(Fixtures.MNIST_INPUT, List.of(real, new float[3]), 1);
        assertThat(images.length).isEqualTo(1 + SelfTest.SYNTHETIC_IMAGES);
        assertThat(images[0]).isSameAs(real);
        for (float[] image : images) {
            for (float v : image) {
                assertThat(v).isBetween(0f, 1f);
            }
        }
    }
}
