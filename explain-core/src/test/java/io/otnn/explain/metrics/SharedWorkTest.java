package io.otnn.explain.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.checkpoint.ModelMetadata;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The work the evaluation shares between methods and images (Deletion/Insertion ends scored once, Robustness-SR's
 * first step once per image, attacks that can never move stopped early) against the straightforward computation.
 */
class SharedWorkTest {

    static final ModelMetadata.Input IN = ModelMetadata.Input.unitRange(6, 6, 1);

    @Test
    void shouldGiveTheFullCurvesValueWhenDeletionAndInsertionEndsAreScoredOnce() {
        int d = IN.size();
        float[] w = MetricsTest.randomWeights(3, d);
        Scorer scorer = MetricsTest.linear(w);
        Random r = new Random(4);
        for (CausalFidelity.Mode mode : CausalFidelity.Mode.values()) {
            for (Baseline baseline : Baseline.values()) {
                CausalFidelity metric = new CausalFidelity(IN, mode, baseline, 7);
                for (int i = 0; i < 4; i++) {
                    float[] image = new float[d];
                    float[] map = new float[d];
                    for (int p = 0; p < d; p++) {
                        image[p] = r.nextFloat();
                        map[p] = (float) r.nextGaussian();
                    }
                    PerturbedInputs full = metric.probe(image, map, i);
                    float[] base = metric.baselineImage(i);
                    // the ends the shared path does not score again: the image and its baseline
                    int lastRow = full.rows() - 1;
                    float[] first = java.util.Arrays.copyOfRange(full.inputs(), 0, d);
                    float[] last = java.util.Arrays.copyOfRange(full.inputs(), lastRow * d, (lastRow + 1) * d);
                    assertThat(mode == CausalFidelity.Mode.DELETION ? first : last)
                            .containsExactly(image);
                    assertThat(mode == CausalFidelity.Mode.DELETION ? last : first)
                            .containsExactly(base);
                    float atImage = scorer.scores(image, 1, new int[1])[0];
                    float atBase = scorer.scores(base, 1, new int[1])[0];
                    PerturbedInputs between = metric.probeBetween(image, map, i, atImage, atBase);
                    assertThat(between.rows()).isEqualTo(full.rows() - 2);
                    assertThat(between.scoredBy(scorer, 0))
                            .as("%s %s image %d", mode, baseline, i)
                            .isCloseTo(full.scoredBy(scorer, 0), within(1e-12));
                }
            }
        }
    }

    /**
     * A binary piecewise-linear model in plain Java, f(x) = w·x + b − Σ v_p |x_p − ½|, whose restricted DeepFool
     * attack takes several steps and, for images at the range's ends, often pushes every movable pixel out of range.
     */
    static final class KinkedModel implements RobustnessSr.MarginOracle {
        final float[] w;
        final float[] v;
        final float b;
        long rowsAsked;

        KinkedModel(long seed, int d) {
            Random r = new Random(seed);
            w = new float[d];
            v = new float[d];
            for (int p = 0; p < d; p++) {
                w[p] = (float) r.nextGaussian();
                v[p] = 0.5f * r.nextFloat();
            }
            b = 0.1f;
        }

        double f(float[] x, int at) {
            double s = b;
            for (int p = 0; p < w.length; p++) s += w[p] * x[at + p] - v[p] * Math.abs(x[at + p] - 0.5);
            return s;
        }

        @Override
        public RobustnessSr.Margins at(float[] points, int n, int[] classes) {
            rowsAsked += n;
            int d = w.length;
            int[] predicted = new int[n];
            float[] margin = new float[n];
            float[] gradient = new float[n * d];
            for (int i = 0; i < n; i++) {
                double f = f(points, i * d);
                predicted[i] = f > 0 ? 1 : 0;
                float sign = classes[i] == 1 ? 1f : -1f;
                margin[i] = (float) (sign * f);
                for (int p = 0; p < d; p++) {
                    float x = points[i * d + p];
                    float slope = w[p] - v[p] * (x > 0.5f ? 1f : x < 0.5f ? -1f : 0f);
                    gradient[i * d + p] = sign * slope;
                }
            }
            return new RobustnessSr.Margins(predicted, margin, gradient);
        }
    }

    /** Restricted DeepFool one image and one fraction at a time, every step asked, no early stop. */
    static double[][] straightforwardCurves(
            RobustnessSr metric, RobustnessSr.MarginOracle oracle, float[][] images, int[] classes, float[][] maps) {
        int d = IN.size();
        double[][] out = new double[images.length][RobustnessSr.FRACTIONS.length];
        for (int i = 0; i < images.length; i++) {
            boolean[][] sets = metric.relevantSets(maps[i]);
            double cap = 0;
            for (float x : images[i]) cap += (double) x * x;
            cap = Math.sqrt(cap);
            for (int k = 0; k < sets.length; k++) {
                float[] x0 = images[i];
                float[] current = x0.clone();
                double[] accumulated = new double[d];
                double distance = Double.NaN;
                for (int step = 0; step <= RobustnessSr.DEFAULT_MAX_STEPS; step++) {
                    RobustnessSr.Margins m = oracle.at(current.clone(), 1, new int[] {classes[i]});
                    if (m.predicted()[0] != classes[i]) {
                        double s = 0;
                        for (int q = 0; q < d; q++) s += (double) (current[q] - x0[q]) * (current[q] - x0[q]);
                        distance = Math.sqrt(s);
                        break;
                    }
                    if (step == RobustnessSr.DEFAULT_MAX_STEPS) break;
                    double norm2 = 0;
                    for (int q = 0; q < d; q++) if (sets[k][q]) norm2 += (double) m.gradient()[q] * m.gradient()[q];
                    if (norm2 == 0) break;
                    double scale = (Math.abs(m.margin()[0]) + 1e-6) / norm2;
                    for (int q = 0; q < d; q++) {
                        if (!sets[k][q]) continue;
                        accumulated[q] -= scale * m.gradient()[q];
                        float next = (float) (x0[q] + (1 + RobustnessSr.DEFAULT_OVERSHOOT) * accumulated[q]);
                        current[q] = Math.min(1f, Math.max(0f, next));
                    }
                }
                out[i][k] = Double.isNaN(distance) ? cap : distance;
            }
        }
        return out;
    }

    @Test
    void shouldEqualTheStepByStepAttackWhenTheFirstStepIsSharedAndStuckAttacksStopEarly() {
        int d = IN.size();
        Random r = new Random(9);
        int n = 12;
        float[][] images = new float[n][d];
        float[][] maps = new float[n][d];
        int[] classes = new int[n];
        KinkedModel model = new KinkedModel(5, d);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < d; p++) {
                // half the images black-or-white (clipped at once), half in the middle of the range
                images[i][p] = i % 2 == 0 ? (r.nextBoolean() ? 0f : 1f) : 0.3f + 0.4f * r.nextFloat();
                maps[i][p] = (float) r.nextGaussian();
            }
            classes[i] = model.f(images[i], 0) > 0 ? 1 : 0;
        }
        RobustnessSr metric = new RobustnessSr(IN);
        double[][] expected = straightforwardCurves(metric, model, images, classes, maps);
        long straightforwardRows = model.rowsAsked;

        model.rowsAsked = 0;
        RobustnessSr.Margins start = metric.atImages(model, images, classes);
        assertThat(model.rowsAsked).isEqualTo(n);
        double[][] shared = metric.curves(model, images, classes, maps, start);
        long sharedRows = model.rowsAsked;
        model.rowsAsked = 0;
        double[][] asked = metric.curves(model, images, classes, maps);

        int capped = 0;
        for (int i = 0; i < n; i++) {
            assertThat(shared[i]).as("image %d, first step given", i).containsExactly(expected[i], within(1e-9));
            assertThat(asked[i]).as("image %d, first step asked", i).containsExactly(expected[i], within(1e-9));
            double cap = 0;
            for (float x : images[i]) cap += (double) x * x;
            for (double v : expected[i]) if (Math.abs(v - Math.sqrt(cap)) < 1e-12) capped++;
        }
        // the case the early stop is for occurs, and the shared path asks for fewer points
        assertThat(capped).isPositive();
        assertThat(capped).isLessThan(n * RobustnessSr.FRACTIONS.length);
        assertThat(sharedRows).isLessThan(straightforwardRows - (long) n * (RobustnessSr.FRACTIONS.length - 1));
        assertThat(model.rowsAsked).isEqualTo(sharedRows); // the same first-step rows, asked inside curves
    }
}
