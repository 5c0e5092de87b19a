package io.otnn.streams.fidelity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.datasets.IdxDataset;
import io.otnn.datasets.SampleData;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.input.ImageDecoder;
import io.otnn.explain.metrics.Baseline;
import io.otnn.explain.testing.Fixtures;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.explaining.OtnnEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The stream's measure of many images in one forward pass, on the real engine, against the offline metrics. */
class OnlineFidelityTest {

    private static OtnnEngine engine;
    private static float[][] images;

    @BeforeAll
    static void load(@TempDir Path dir) throws IOException {
        engine = OtnnEngine.load(Fixtures.denseMnist());
        images = IdxDataset.readTestSet(
                        SampleData.extract(dir), new ImageDecoder(engine.model().input(), 1 << 20), 12)
                .images();
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static String id(int i) {
        return "image-" + i;
    }

    @ParameterizedTest
    @EnumSource(Baseline.class)
    void shouldEqualTheOfflineMetricsWhenTheImagesOfABatchShareOneForwardPass(Baseline baseline) {
        // 200 subsets: 12 × 212 rows, cut into engine calls of at most MAX_ROWS, in the middle of images' rows
        FidelitySettings settings = OfflineFidelity.settings(1.0, 200, baseline);
        List<OnlineFidelity.Score> online;
        int[] forwardRows = new int[2];
        try (BatchExplainer explainer = engine.newExplainer()) {
            List<ImageExplanation> results = explainer.explain(images);
            List<OnlineFidelity.Sample> samples = new ArrayList<>();
            for (int i = 0; i < images.length; i++) {
                samples.add(new OnlineFidelity.Sample(
                        id(i),
                        images[i],
                        results.get(i).predicted(),
                        results.get(i).saliency()));
            }
            OnlineFidelity fidelity =
                    new OnlineFidelity(settings, engine.model().input(), (flat, n) -> {
                        forwardRows[0]++;
                        forwardRows[1] += n;
                        return explainer.logits(flat, n);
                    });
            online = fidelity.score(samples);
        }
        assertThat(forwardRows[1]).isEqualTo(images.length * settings.rowsPerImage());
        int rows = images.length * settings.rowsPerImage();
        assertThat(forwardRows[0])
                .as("engine calls")
                .isEqualTo((rows + OnlineFidelity.MAX_ROWS - 1) / OnlineFidelity.MAX_ROWS)
                .isGreaterThan(1);

        List<String> ids = java.util.stream.IntStream.range(0, images.length)
                .mapToObj(OnlineFidelityTest::id)
                .toList();
        double[][] offline = OfflineFidelity.of(engine.otnnModel(), ids, images, settings);
        for (int i = 0; i < images.length; i++) {
            assertThat(online.get(i).muFidelity())
                    .as("µFidelity of image %d", i)
                    .isCloseTo(offline[i][0], within(1e-6));
            assertThat(online.get(i).deletionAuc())
                    .as("Deletion AUC of image %d", i)
                    .isCloseTo(offline[i][1], within(1e-5));
        }
        // the figures differ from image to image: no image was given another's value
        assertThat(online.stream()
                        .map(OnlineFidelity.Score::muFidelity)
                        .distinct()
                        .count())
                .isEqualTo(images.length);
    }

    @org.junit.jupiter.api.Test
    void shouldDrawEachImageItsOwnSubsetsWhenTheSeedComesFromItsId() {
        FidelitySettings settings = OfflineFidelity.settings(1.0, 50, Baseline.ZERO);
        OnlineFidelity fidelity = new OnlineFidelity(settings, engine.model().input(), (flat, n) -> new float[n]);
        float[] image = images[0];
        float[] saliency = new float[image.length];
        float[] first = fidelity.muFidelity("a").probe(image, saliency).inputs();
        assertThat(fidelity.muFidelity("a").probe(image, saliency).inputs())
                .as("the same id again")
                .isEqualTo(first);
        assertThat(fidelity.muFidelity("b").probe(image, saliency).inputs())
                .as("another id")
                .isNotEqualTo(first);
        assertThat(OnlineFidelity.imageSeed(0, "a")).isNotEqualTo(OnlineFidelity.imageSeed(1, "a"));
    }
}
