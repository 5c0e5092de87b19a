package io.otnn.explain.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.Explainer;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.metrics.Spearman;
import io.otnn.explain.testing.CheckpointFixtures;
import io.otnn.explain.testing.FixtureModel;
import io.otnn.explain.testing.Fixtures;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RISE against its estimator recomputed in plain Java from the same masks, and its expectation on a linear model. */
class RiseTest {

    static OtnnModel linear;
    static OtnnModel binary;

    @BeforeAll
    static void load() {
        linear = OtnnModel.load(Fixtures.linear());
        binary = OtnnModel.load(Fixtures.binaryLinear());
    }

    @AfterAll
    static void close() {
        linear.close();
        binary.close();
    }

    @Test
    void shouldEqualTheMaskWeightedMeanOfTheScoresWhenRecomputedFromTheSameMasks() {
        ModelMetadata.Input in = Fixtures.SMALL_INPUT; // 6 × 5 × 2: non-square, two channels
        float[][] images = Fixtures.images(21, 3, in.size());
        // 300 masks: more than one batch of 256, so the batches' sums are checked too
        for (Rise.Normalisation normalisation : Rise.Normalisation.values()) {
            Rise rise = new Rise(300, 3, 0.4, normalisation, 9);
            check(rise, normalisation, 0.4, linear, Fixtures.linearModel(), images, new int[] {0, 3, 1}, in);
            check(rise, normalisation, 0.4, binary, Fixtures.binaryLinearModel(), images, new int[] {1, 0, 0}, in);
        }
    }

    private static void check(
            Rise rise,
            Rise.Normalisation normalisation,
            double preservation,
            OtnnModel model,
            FixtureModel m,
            float[][] images,
            int[] labels,
            ModelMetadata.Input in) {
        RiseMasks masks = rise.masks(in.height(), in.width());
        int pixels = in.height() * in.width();
        int channels = in.channels();
        float[][] maps;
        try (Explainer explainer = model.newExplainer()) {
            maps = rise.attribute(explainer, images, labels);
        }
        boolean oneLogit = m.outputSize() == 1;
        for (int i = 0; i < images.length; i++) {
            double[] weighted = new double[pixels];
            double[] sum = new double[pixels];
            double scale = 0;
            for (int k = 0; k < masks.count(); k++) {
                float[] mask = masks.mask(k);
                float[] masked = new float[in.size()];
                for (int p = 0; p < in.size(); p++) masked[p] = images[i][p] * mask[p / channels];
                double[] logits = m.forward(masked);
                double f = oneLogit ? (labels[i] == 1 ? logits[0] : -logits[0]) : logits[labels[i]];
                scale = Math.max(scale, Math.abs(f));
                for (int q = 0; q < pixels; q++) {
                    weighted[q] += f * mask[q];
                    sum[q] += mask[q];
                }
            }
            for (int q = 0; q < pixels; q++) {
                double expected = normalisation == Rise.Normalisation.MASK_SUM
                        ? weighted[q] / (sum[q] + 1e-4)
                        : weighted[q] / (masks.count() * preservation);
                for (int ch = 0; ch < channels; ch++) {
                    assertThat((double) maps[i][q * channels + ch])
                            .as("%s image %d pixel %d channel %d", rise, i, q, ch)
                            .isCloseTo(expected, within(1e-5 * Math.max(1, scale)));
                }
            }
        }
    }

    @Test
    void shouldUpsampleTheGridBilinearlyAndCropItAtEachMasksOffset() {
        int grid = 7;
        double p = 0.5;
        RiseMasks masks = new RiseMasks(200, grid, p, 28, 28, 3);
        int up = 32; // ⌊28 · (1 + 1/7)⌋
        boolean shifted = false;
        for (int k = 0; k < masks.count(); k++) {
            assertThat(masks.rowOffset(k)).isBetween(0, up - 28);
            assertThat(masks.columnOffset(k)).isBetween(0, up - 28);
            shifted |= masks.rowOffset(k) != masks.rowOffset(0) || masks.columnOffset(k) != masks.columnOffset(0);
            float[] mask = masks.mask(k);
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    // the continuous cell coordinate of the upsampled pixel's centre, clamped to the cells' centres
                    double u = clamp((y + masks.rowOffset(k) + 0.5) * grid / up - 0.5, grid - 1);
                    double v = clamp((x + masks.columnOffset(k) + 0.5) * grid / up - 0.5, grid - 1);
                    int r0 = (int) Math.floor(u);
                    int c0 = (int) Math.floor(v);
                    int r1 = Math.min(r0 + 1, grid - 1);
                    int c1 = Math.min(c0 + 1, grid - 1);
                    double a = u - r0;
                    double b = v - c0;
                    double expected = (1 - a) * ((1 - b) * cell(masks, k, r0, c0) + b * cell(masks, k, r0, c1))
                            + a * ((1 - b) * cell(masks, k, r1, c0) + b * cell(masks, k, r1, c1));
                    assertThat((double) mask[y * 28 + x])
                            .as("mask %d pixel (%d, %d)", k, y, x)
                            .isCloseTo(expected, within(1e-5));
                }
            }
        }
        assertThat(shifted).as("offsets are drawn per mask").isTrue();
        // one cell: every mask is all ones or all zeros
        RiseMasks single = new RiseMasks(20, 1, p, 6, 5, 1);
        for (int k = 0; k < single.count(); k++) {
            float first = single.mask(k)[0];
            assertThat(first).isIn(0f, 1f);
            assertThat(single.mask(k)).containsOnly(first);
        }
    }

    private static double clamp(double u, int max) {
        return Math.max(0, Math.min(max, u));
    }

    private static double cell(RiseMasks masks, int k, int row, int column) {
        return masks.cell(k, row, column) ? 1 : 0;
    }

    @Test
    void shouldKeepMasksInTheUnitIntervalWithTheirMeanAtThePreservationProbability() {
        for (double p : new double[] {0.5, 0.3}) {
            RiseMasks masks = new Rise(2000, 7, p, Rise.Normalisation.MASK_SUM, 5).masks(28, 28);
            double sum = 0;
            int kept = 0;
            for (int k = 0; k < masks.count(); k++) {
                for (float v : masks.mask(k)) {
                    assertThat(v).isBetween(0f, 1f);
                    sum += v;
                }
                for (int r = 0; r < 7; r++) for (int c = 0; c < 7; c++) if (masks.cell(k, r, c)) kept++;
            }
            assertThat(sum / (2000.0 * 784)).as("mean mask, p = %s", p).isCloseTo(p, within(0.01));
            assertThat(kept / (2000.0 * 49)).as("kept cells, p = %s", p).isCloseTo(p, within(0.01));
        }
    }

    @Test
    void shouldRepeatExactlyWithTheSameSeedAndDifferWithAnother() {
        float[][] images = Fixtures.images(22, 3, Fixtures.SMALL_INPUT.size());
        int[] labels = {0, 1, 2};
        Rise rise = new Rise(300, 5);
        try (Explainer explainer = linear.newExplainer()) {
            float[][] a = rise.attribute(explainer, images, labels);
            float[][] again = new Rise(300, 5).attribute(explainer, images, labels);
            float[][] alone = rise.attribute(explainer, new float[][] {images[1]}, new int[] {1});
            float[][] other = rise.withSeed(6).attribute(explainer, images, labels);
            assertThat(a).hasNumberOfRows(3);
            for (int i = 0; i < 3; i++) {
                assertThat(a[i]).hasSize(Fixtures.SMALL_INPUT.size());
                assertThat(again[i]).as("image %d, same seed", i).containsExactly(a[i]);
                assertThat(other[i]).as("image %d, another seed", i).isNotEqualTo(a[i]);
                for (int q = 0; q < a[i].length; q += 2) assertThat(a[i][q + 1]).isEqualTo(a[i][q]);
            }
            // one set of masks per call: an image's map does not depend on the others of its call
            assertThat(alone[0]).containsExactly(a[1]);
        }
        assertThat(rise.withSeed(5).masks(28, 28).mask(17))
                .containsExactly(rise.masks(28, 28).mask(17));
    }

    @Test
    void shouldRankPixelsAsWeightTimesInputWhenScoreIsLinearAndMasksAreMany(@TempDir Path tmp) throws Exception {
        // f(x) = Σ w_p x_p + b with w ⊙ x a smooth bump: E[φ_p] = b + Σ_q w_q x_q E[M_p M_q] / E[M_p], the constant
        // b + p·f(x) − p·b plus w ⊙ x blurred by the masks' covariance, which keeps the bump's ranks
        int side = 28;
        ModelMetadata.Input in = ModelMetadata.Input.unitRange(side, side, 1);
        Random random = new Random(8);
        float[] image = new float[side * side];
        float[] contribution = new float[side * side];
        float[][] w = new float[side * side][2];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int q = y * side + x;
                image[q] = 0.5f + 0.5f * random.nextFloat();
                double bump = Math.exp(-((y - 9.0) * (y - 9.0) + (x - 17.0) * (x - 17.0)) / (2 * 36.0))
                        - 0.6 * Math.exp(-((y - 20.0) * (y - 20.0) + (x - 8.0) * (x - 8.0)) / (2 * 25.0));
                contribution[q] = (float) (0.05 * bump);
                w[q][0] = contribution[q] / image[q];
                w[q][1] = (float) (0.01 * random.nextGaussian());
            }
        }
        FixtureModel m = FixtureModel.linear(w, new float[] {0.3f, 0f});
        Path dir = tmp.resolve("linear28");
        CheckpointFixtures.export(dir, m, CheckpointFixtures.metadata("linear28", m, in, 1.0));
        try (OtnnModel model = OtnnModel.load(dir);
                Explainer explainer = model.newExplainer()) {
            for (Rise.Normalisation normalisation : Rise.Normalisation.values()) {
                float[] map = new Rise(Rise.DEFAULT_MASKS, 7, 0.5, normalisation, 1)
                        .attribute(explainer, new float[][] {image}, new int[] {0})[0];
                assertThat(Spearman.rho(map, contribution))
                        .as("%s", normalisation)
                        .isGreaterThan(0.9);
            }
            // too few masks: the same statistic is far noisier (so the test above measures the estimator)
            float[] few = new Rise(8, 7, 0.5, Rise.Normalisation.MASK_SUM, 1)
                    .attribute(explainer, new float[][] {image}, new int[] {0})[0];
            assertThat(Spearman.rho(few, contribution)).isLessThan(0.9);
        }
    }
}
