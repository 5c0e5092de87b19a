package io.otnn.explain.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.Explainer;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.testing.FixtureModel;
import io.otnn.explain.testing.Fixtures;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Xplique-exact definitions (µFidelity's exact-count masks, Stability's U[0, r] neighbours and distances), the
 * Saliency–SmoothGrad distance variants and Robustness-S_r, each against a closed form, a second formula or a
 * hand-computed case.
 */
class XpliqueDefinitionsTest {

    static final ModelMetadata.Input MNIST = ModelMetadata.Input.unitRange(28, 28, 1);

    @Test
    void shouldRemoveExactlyEightyOneWholeCellsOfTheUpsampledGridWhenSamplingIsXplique() {
        MuFidelity mu = new MuFidelity(MNIST, 20, 0.2, 200, Baseline.ZERO, 5, MuFidelity.Sampling.XPLIQUE_EXACT_COUNT);
        for (int s = 0; s < 200; s++) {
            Set<Integer> cells = new HashSet<>();
            Set<Integer> kept = new HashSet<>();
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    // TensorFlow's nearest resize with half-pixel centres, written out independently
                    int cell = (int) ((y + 0.5) * 20 / 28) * 20 + (int) ((x + 0.5) * 20 / 28);
                    (mu.removed(s, y * 28 + x) ? cells : kept).add(cell);
                }
            }
            assertThat(cells).as("subset %d", s).hasSize(81); // ⌊400 · 0.2⌋ + 1, as Xplique's argsort mask
            assertThat(kept).doesNotContainAnyElementsOf(cells); // a cell is removed whole
        }
    }

    @Test
    void shouldGiveOneForGradientInputOfALinearModelWhenBaselineIsZeroAndShareOneUniformBaselinePerImage() {
        int d = MNIST.size();
        Random r = new Random(3);
        float[] w = new float[d];
        for (int p = 0; p < d; p++) w[p] = (float) r.nextGaussian();
        float[][] images = new float[3][d];
        float[][] gxi = new float[3][d];
        for (int i = 0; i < 3; i++) {
            for (int p = 0; p < d; p++) {
                images[i][p] = r.nextFloat();
                gxi[i][p] = w[p] * images[i][p]; // the exact drop toward zero: ρ = 1
            }
        }
        Scorer f = MetricsTest.linear(w);
        MuFidelity zero =
                new MuFidelity(MNIST, 20, 0.2, 200, Baseline.ZERO, 1, MuFidelity.Sampling.XPLIQUE_EXACT_COUNT);
        assertThat(zero.perImage(f, images, new int[3], gxi)).containsOnly(1.0);

        MuFidelity uniform =
                new MuFidelity(MNIST, 20, 0.2, 200, Baseline.UNIFORM, 1, MuFidelity.Sampling.XPLIQUE_EXACT_COUNT);
        float[] rows = uniform.perturbed(images[0], 0);
        float[] baseline = new float[d];
        java.util.Arrays.fill(baseline, Float.NaN);
        for (int s = 0; s < 200; s++) {
            for (int p = 0; p < d; p++) {
                float v = rows[(s + 1) * d + p];
                if (!uniform.removed(s, p)) {
                    assertThat(v).isEqualTo(images[0][p]);
                } else if (Float.isNaN(baseline[p])) {
                    baseline[p] = v;
                } else {
                    assertThat(v).as("pixel %d of subset %d", p, s).isEqualTo(baseline[p]);
                }
            }
        }
        // another image draws its own baseline; the same image (index) the same one
        assertThat(uniform.perturbed(images[1], 1)).isNotEqualTo(uniform.perturbed(images[0], 1));
        assertThat(uniform.perturbed(images[0], 0)).isEqualTo(rows);
        // the correlation from shared rows equals the metric's own per-image value
        float[] scores = f.scores(rows, 201, new int[201]);
        assertThat(uniform.correlation(scores, gxi[0]))
                .isEqualTo(uniform.perImage(f, new float[][] {images[0]}, new int[1], new float[][] {gxi[0]})[0]);
    }

    @Test
    void shouldSumTheAttributionAsXpliqueBroadcastsAnHwMapAgainstItsMasks() {
        ModelMetadata.Input in = ModelMetadata.Input.unitRange(3, 3, 1);
        MuFidelity mu = new MuFidelity(in, 3, 0.3, 6, Baseline.ZERO, 2, MuFidelity.Sampling.XPLIQUE_EXACT_COUNT);
        float[] phi = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        // drops equal to the broadcast sums written as numpy would compute them: Σ_{a,b,c} φ[b,c]·removed[s,a,b]
        float[] scores = new float[7];
        scores[0] = 1000;
        for (int s = 0; s < 6; s++) {
            double sum = 0;
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 3; b++) {
                    for (int c = 0; c < 3; c++) sum += phi[b * 3 + c] * (mu.removed(s, a * 3 + b) ? 1 : 0);
                }
            }
            scores[s + 1] = (float) (1000 - sum);
        }
        assertThat(mu.correlationXpliqueBroadcast(scores, phi)).isCloseTo(1.0, within(1e-12));
        // the (H, W, 1) sum is another ranking of the same subsets
        assertThat(mu.correlation(scores, phi)).isLessThan(1.0);
    }

    @Test
    void shouldDrawTwentyUnclippedNeighboursInTheUniformCubeWhenStabilityIsXplique() {
        Stability stability = new Stability(MNIST, Stability.Definition.XPLIQUE, 2);
        float[] ones = new float[MNIST.size()];
        java.util.Arrays.fill(ones, 1f);
        float[][] neighbours = stability.neighbours(ones);
        assertThat(neighbours).hasNumberOfRows(20);
        double largest = 0;
        for (float[] neighbour : neighbours) {
            for (float v : neighbour) {
                assertThat(v).isBetween(1f, 1.3f); // x + U[0, 0.3]: never below x, not clipped at 1
                largest = Math.max(largest, v);
            }
        }
        assertThat(largest).isGreaterThan(1.29);
        // the same offsets for every image
        float[][] again = stability.neighbours(new float[MNIST.size()]);
        for (int s = 0; s < 20; s++) {
            for (int p = 0; p < MNIST.size(); p++) assertThat(again[s][p] + 1f).isEqualTo(neighbours[s][p]);
        }
    }

    @Test
    void shouldMatchTheClosedFormOfGradientInputOnALinearModelWhenStabilityDistancesAreComputed() {
        int d = MNIST.size();
        float[] w = new float[d];
        Random r = new Random(4);
        for (int p = 0; p < d; p++) w[p] = (float) r.nextGaussian();
        float[] x = new float[d];
        for (int p = 0; p < d; p++) x[p] = r.nextFloat();
        Stability stability = new Stability(MNIST, Stability.Definition.XPLIQUE, 9);
        // Gradient × Input of f = w·x is w ⊙ x: at x + u it moves by w ⊙ u
        Stability.Attributor gxi = (xs, labels) -> {
            float[][] out = new float[xs.length][d];
            for (int i = 0; i < xs.length; i++) for (int p = 0; p < d; p++) out[i][p] = w[p] * xs[i][p];
            return out;
        };
        float[] base = gxi.attribute(new float[][] {x}, new int[1])[0];
        double[][] values = stability.perImage(
                gxi,
                new float[][] {x},
                new int[1],
                new float[][] {base},
                Stability.Distance.SQUARED_L2,
                Stability.Distance.L2,
                Stability.Distance.L1);
        double squared = 0;
        double root = 0;
        double l1 = 0;
        for (float[] offset : stability.offsets()) {
            double s = 0;
            double a = 0;
            for (int p = 0; p < d; p++) {
                s += Math.pow((double) w[p] * offset[p], 2);
                a += Math.abs((double) w[p] * offset[p]);
            }
            squared += s / 20;
            root += Math.sqrt(s) / 20;
            l1 += a / 20;
        }
        assertThat(values[0][0]).isCloseTo(squared, within(1e-4 * squared));
        assertThat(values[1][0]).isCloseTo(root, within(1e-4 * root));
        assertThat(values[2][0]).isCloseTo(l1, within(1e-4 * l1));
        // a map that does not move at all has 1 − ρ = 0
        Stability.Attributor constant = (xs, labels) -> {
            float[][] out = new float[xs.length][];
            for (int i = 0; i < xs.length; i++) out[i] = w.clone();
            return out;
        };
        assertThat(stability.perImage(constant, new float[][] {x}, new int[1], new float[][] {w})[0])
                .isEqualTo(0.0);
    }

    @Test
    void shouldGiveHandComputedValuesWhenSaliencySmoothGradDistancesOfTwoPixels() {
        float[] a = {1, 2};
        float[] b = {3, 0};
        assertThat(ExplanationMetrics.MapDistance.L2_SQUARED.of(a, b)).isCloseTo(8.0, within(1e-12));
        assertThat(ExplanationMetrics.MapDistance.L2.of(a, b)).isCloseTo(Math.sqrt(8), within(1e-12));
        // (1/2 − 1)² + (1 − 0)²
        assertThat(ExplanationMetrics.MapDistance.L2_SQUARED_MAX_NORMALISED.of(a, b))
                .isCloseTo(1.25, within(1e-12));
        // (1/√5 − 1)² + (2/√5)² = 2 − 2/√5
        assertThat(ExplanationMetrics.MapDistance.L2_SQUARED_UNIT_NORM.of(a, b))
                .isCloseTo(2 - 2 / Math.sqrt(5), within(1e-12));
        assertThat(ExplanationMetrics.MapDistance.ONE_MINUS_SPEARMAN.of(a, b)).isCloseTo(2.0, within(1e-12));
    }

    @Test
    void shouldFindTheRestrictedMinimalPerturbationOfALinearBinaryModelInClosedForm() {
        FixtureModel m = Fixtures.binaryLinearModel();
        float[] w = new float[m.inputSize()];
        for (int p = 0; p < w.length; p++) w[p] = m.weights().get(0)[p][0];
        float b = m.biases().get(0)[0];
        ModelMetadata.Input in = Fixtures.SMALL_INPUT;
        int pixels = in.height() * in.width();
        int c = in.channels();
        // images near the middle of the range with a small |f|, so that the minimal perturbation stays in [0, 1]
        Random r = new Random(12);
        float[][] images = new float[4][];
        int[] classes = new int[4];
        for (int i = 0; i < 4; i++) {
            float[] x = new float[w.length];
            for (int q = 0; q < x.length; q++) x[q] = 0.5f + 0.05f * (float) r.nextGaussian();
            // move x along w so that f(x) = ±0.01·(i + 1)
            double shift = (dot(w, x) + b - (i % 2 == 0 ? 1 : -1) * 0.01 * (i + 1)) / dot(w, w);
            for (int q = 0; q < x.length; q++) x[q] -= (float) (shift * w[q]);
            images[i] = x;
            classes[i] = dot(w, x) + b > 0 ? 1 : 0;
        }
        float[][] maps = new float[4][];
        for (int i = 0; i < 4; i++) {
            maps[i] = new float[w.length];
            for (int q = 0; q < w.length; q++) maps[i][q] = (float) r.nextGaussian(); // any ranking
        }
        RobustnessSr metric = new RobustnessSr(in);
        try (OtnnModel model = OtnnModel.load(Fixtures.binaryLinear());
                Explainer explainer = model.newExplainer()) {
            double[][] curves = metric.curves(RobustnessSr.of(explainer), images, classes, maps);
            for (int i = 0; i < 4; i++) {
                boolean[][] sets = metric.relevantSets(maps[i]);
                double f = Math.abs(dot(w, images[i]) + b);
                for (int k = 0; k < RobustnessSr.FRACTIONS.length; k++) {
                    int chosen = 0;
                    double norm2 = 0;
                    for (int p = 0; p < pixels; p++) {
                        if (!sets[k][p]) continue;
                        chosen++;
                        for (int ch = 0; ch < c; ch++) norm2 += (double) w[p * c + ch] * w[p * c + ch];
                    }
                    assertThat(chosen).isEqualTo((int) Math.floor(pixels * RobustnessSr.FRACTIONS[k] + 1e-9));
                    // one DeepFool step crosses a linear boundary: (1 + overshoot)·|f| / ‖w_u‖
                    double expected = (1 + RobustnessSr.DEFAULT_OVERSHOOT) * (f + 1e-6) / Math.sqrt(norm2);
                    assertThat(curves[i][k])
                            .as("image %d, fraction %s", i, RobustnessSr.FRACTIONS[k])
                            .isCloseTo(expected, within(1e-3 * expected + 1e-5));
                }
                // more pixels to move: a shorter way to the boundary
                for (int k = 1; k < RobustnessSr.FRACTIONS.length; k++) {
                    assertThat(curves[i][k]).isLessThanOrEqualTo(curves[i][k - 1] + 1e-6);
                }
            }
            double[] auc = metric.perImage(RobustnessSr.of(explainer), images, classes, maps);
            assertThat(auc[0]).isCloseTo(RobustnessSr.auc(curves[0]), within(1e-9));
        }
    }

    @Test
    void shouldCountTheImageNormWhenTheRestrictedAttackCannotMove() {
        ModelMetadata.Input in = ModelMetadata.Input.unitRange(2, 2, 1);
        // a model whose margin never changes and has no gradient: every attack fails
        RobustnessSr.MarginOracle flat =
                (points, n, classes) -> new RobustnessSr.Margins(new int[n], new float[n], new float[points.length]);
        double[][] curves = new RobustnessSr(in)
                .curves(flat, new float[][] {{0.3f, 0.4f, 0f, 0f}}, new int[1], new float[][] {{1, 2, 3, 4}});
        assertThat(curves[0]).hasSize(9);
        for (double v : curves[0]) assertThat(v).isCloseTo(0.5, within(1e-7)); // ‖x‖₂ = √(0.09 + 0.16)
        assertThat(RobustnessSr.auc(new double[] {1, 2, 3})).isCloseTo(2.0, within(1e-12));
    }

    private static double dot(float[] w, float[] x) {
        double s = 0;
        for (int i = 0; i < w.length; i++) s += (double) w[i] * x[i];
        return s;
    }
}
