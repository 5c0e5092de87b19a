package io.otnn.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.checkpoint.SignatureContract;
import io.otnn.explain.Explainer;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.trainer.Fixtures;
import io.otnn.trainer.Trainer;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.TrainingResult;
import io.otnn.trainer.data.DataSources;
import io.otnn.trainer.data.Dataset;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code explain_checked} signature of briefly trained networks against the explainer's two-call path
 * ({@code explain}, the boundary points and counterfactuals built in Java, {@code serving_default} over them) on the
 * same images, and its self-check logits against {@code serving_default} run apart on its own boundary points and
 * counterfactuals.
 */
class ExplainCheckedExportTest {

    @TempDir
    Path tmp;

    @Test
    void shouldMatchTheTwoCallPathWhenAMulticlassDenseNetworkIsExplainedInOneRun() throws Exception {
        TrainingConfig config = TrainingConfig.builder()
                .setDataset("fashion-mnist")
                .optDataDir(Fixtures.fashionMnistMini())
                .optArchitecture("dense")
                .optWidthMultiplier(0.125)
                .optLimit(256)
                .optTestLimit(64)
                .setEpochs(1)
                .setOut(tmp.resolve("dense"))
                .build();
        TrainingResult r = new Trainer().train(config);
        Dataset test = DataSources.load(config).test();
        float[][] images = rows(test, 48);
        compare(r.checkpoint(), images, 2.0);
        compare(r.checkpoint(), Arrays.copyOf(images, 1), 3.5);
    }

    @Test
    void shouldMatchTheTwoCallPathWhenABinaryNetworkIsExplainedInOneRun() throws Exception {
        TrainingConfig config = TrainingConfig.builder()
                .setDataset("koch")
                .optWidthMultiplier(0.125)
                .setEpochs(5)
                .setOut(tmp.resolve("koch"))
                .build();
        TrainingResult r = new Trainer().train(config);
        assertThat(r.metadata().task()).isEqualTo(ModelMetadata.Task.BINARY);
        Dataset test = DataSources.load(config).test();
        float[][] images = rows(test, 200);
        List<ImageExplanation> fused = compare(r.checkpoint(), images, 2.0);
        assertThat(fused.stream().map(ImageExplanation::predicted).distinct())
                .as("both classes among the explained points")
                .containsExactlyInAnyOrder(0, 1);
        // points near the edge of [-3, 3]²: the counterfactual is clipped in the graph as in Java
        float[][] edge = {{2.9f, -2.95f}, {-2.99f, 2.99f}, {0.0f, 2.98f}};
        List<ImageExplanation> clipped = compare(r.checkpoint(), edge, 25.0);
        assertThat(clipped.stream().flatMap(e -> {
                    float[] cf = e.counterfactual();
                    return java.util.stream.IntStream.range(0, cf.length).mapToObj(p -> cf[p]);
                }))
                .as("some counterfactual coordinate clipped to the range")
                .anyMatch(v -> v == 3.0f || v == -3.0f);
    }

    @Test
    void shouldKeepTheTwoCallPathForRequestedTargetsWhenTheCheckpointHasExplainChecked() throws Exception {
        TrainingConfig config = TrainingConfig.builder()
                .setDataset("fashion-mnist")
                .optDataDir(Fixtures.fashionMnistMini())
                .optArchitecture("dense")
                .optWidthMultiplier(0.125)
                .optLimit(256)
                .optTestLimit(16)
                .setEpochs(1)
                .setOut(tmp.resolve("targets"))
                .build();
        TrainingResult r = new Trainer().train(config);
        float[][] images = rows(DataSources.load(config).test(), 6);
        try (OtnnModel model = OtnnModel.load(r.checkpoint());
                Explainer explainer = model.newExplainer()) {
            assertThat(explainer.hasExplainChecked()).isTrue();
            List<ImageExplanation> fused = explainer.explain(images);
            int[] targets = {
                -1, (fused.get(1).predicted() + 3) % 10, -1, -1, (fused.get(4).predicted() + 5) % 10, -1
            };
            List<ImageExplanation> mixed = explainer.explain(images, targets);
            for (int i = 0; i < images.length; i++) {
                ImageExplanation e = mixed.get(i);
                if (targets[i] == -1) {
                    assertThat(e.targeted()).isFalse();
                    same(fused.get(i), e, "untargeted image " + i + " of a targeted batch");
                } else {
                    assertThat(e.targeted()).isTrue();
                    assertThat(e.runnerUp()).isEqualTo(targets[i]);
                    assertThat(e.margin()).isCloseTo(e.scores()[e.predicted()] - e.scores()[targets[i]], within(1e-6));
                }
            }
        }
    }

    /** Explains {@code images} both ways with step factor {@code t}, asserts they agree, returns the fused ones. */
    private static List<ImageExplanation> compare(Path checkpoint, float[][] images, double t) {
        ModelMetadata metadata = ModelMetadata.read(checkpoint.resolve(ModelMetadata.FILE_NAME));
        assertThat(SignatureContract.declares(metadata, SignatureContract.EXPLAIN_CHECKED))
                .as("otnn-model.json lists explain_checked")
                .isTrue();
        try (OtnnModel model = OtnnModel.load(checkpoint);
                Explainer explainer = model.newExplainer().withT(t)) {
            assertThat(explainer.hasExplainChecked()).isTrue();
            List<ImageExplanation> fused = explainer.explain(images);
            List<ImageExplanation> twoCalls =
                    explainer.withExplainChecked(false).explain(images);
            explainer.withExplainChecked(true);
            assertThat(fused).hasSameSizeAs(images);
            for (int i = 0; i < images.length; i++) same(twoCalls.get(i), fused.get(i), "image " + i);
            // the in-graph self-check against serving_default run apart on the fused points
            float[][] boundary =
                    fused.stream().map(ImageExplanation::boundaryPoint).toArray(float[][]::new);
            float[][] counterfactual =
                    fused.stream().map(ImageExplanation::counterfactual).toArray(float[][]::new);
            float[][] atBoundary = explainer.logits(boundary);
            float[][] atCounterfactual = explainer.logits(counterfactual);
            boolean binary = metadata.task() == ModelMetadata.Task.BINARY;
            for (int i = 0; i < images.length; i++) {
                ImageExplanation e = fused.get(i);
                double residual = binary
                        ? (e.predicted() == 1 ? atBoundary[i][0] : -atBoundary[i][0])
                        : atBoundary[i][e.predicted()] - atBoundary[i][e.runnerUp()];
                assertThat(e.boundaryResidual()).as("residual of image %d", i).isCloseTo(residual, within(1e-4));
                assertThat(e.counterfactualClass())
                        .as("counterfactual class of image %d", i)
                        .isEqualTo(explainer.classOf(atCounterfactual[i], 0));
                assertThat(e.t()).isEqualTo(t);
            }
            return fused;
        }
    }

    private static void same(ImageExplanation expected, ImageExplanation actual, String what) {
        assertThat(actual.predicted()).as("prediction of %s", what).isEqualTo(expected.predicted());
        assertThat(actual.runnerUp()).as("target of %s", what).isEqualTo(expected.runnerUp());
        assertThat(actual.targeted()).as("targeted, %s", what).isEqualTo(expected.targeted());
        assertThat(actual.scores()).as("logits of %s", what).containsExactly(expected.scores(), within(1e-6f));
        assertThat(actual.margin()).as("g of %s", what).isCloseTo(expected.margin(), within(1e-6));
        assertThat(actual.radius()).as("radius of %s", what).isCloseTo(expected.radius(), within(1e-6));
        assertThat(actual.signedGradient())
                .as("signed gradient of %s", what)
                .containsExactly(expected.signedGradient(), within(1e-6f));
        assertThat(actual.saliency()).as("saliency of %s", what).containsExactly(expected.saliency(), within(1e-6f));
        assertThat(actual.boundaryPoint())
                .as("boundary point of %s", what)
                .containsExactly(expected.boundaryPoint(), within(1e-5f));
        assertThat(actual.counterfactual())
                .as("counterfactual of %s", what)
                .containsExactly(expected.counterfactual(), within(1e-5f));
        assertThat(actual.distance()).as("distance of %s", what).isCloseTo(expected.distance(), within(1e-5));
        assertThat(actual.boundaryDistance())
                .as("boundary distance of %s", what)
                .isCloseTo(expected.boundaryDistance(), within(1e-5));
        assertThat(actual.counterfactualClass())
                .as("counterfactual class of %s", what)
                .isEqualTo(expected.counterfactualClass());
        assertThat(actual.boundaryResidual())
                .as("residual of %s", what)
                .isCloseTo(expected.boundaryResidual(), within(1e-4));
    }

    private static float[][] rows(Dataset data, int n) {
        int size = data.imageSize();
        float[][] out = new float[Math.min(n, data.size())][];
        for (int i = 0; i < out.length; i++) out[i] = Arrays.copyOfRange(data.images(), i * size, (i + 1) * size);
        return out;
    }
}
