package io.otnn.explain.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.checkpoint.ModelMetadata;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Metrics on hand-built cases whose answer is known: a linear score in plain Java, perfect/random/reversed maps. */
class MetricsTest {

    static final ModelMetadata.Input IN = ModelMetadata.Input.unitRange(20, 20, 1);

    /** f(x) = Σ w_p x_p, the same for every label. */
    static Scorer linear(float[] w) {
        return (flat, n, labels) -> {
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int p = 0; p < w.length; p++) s += w[p] * flat[i * w.length + p];
                out[i] = (float) s;
            }
            return out;
        };
    }

    static float[] randomWeights(long seed, int d) {
        Random r = new Random(seed);
        float[] w = new float[d];
        for (int p = 0; p < d; p++) w[p] = (float) r.nextGaussian();
        return w;
    }

    @Test
    void shouldMatchScipyWhenRanksHaveTies() {
        // scipy.stats.spearmanr([1, 2, 2, 3], [1, 3, 2, 4]) = 0.9486832980505138
        assertThat(Spearman.rho(new double[] {1, 2, 2, 3}, new double[] {1, 3, 2, 4}))
                .isCloseTo(0.9486832980505138, within(1e-12));
        assertThat(Spearman.rho(new double[] {1, 2, 3}, new double[] {30, 20, 10}))
                .isEqualTo(-1.0);
        assertThat(Spearman.rho(new double[] {1, 1, 1}, new double[] {1, 2, 3})).isNaN();
    }

    @Test
    void shouldGiveOneForPerfectMinusOneForReversedAndNearZeroForRandomWhenMuFidelity() {
        int d = IN.size();
        float[] w = randomWeights(1, d);
        float[][] images = new float[5][d];
        Random r = new Random(2);
        for (float[] x : images) for (int p = 0; p < d; p++) x[p] = r.nextFloat();
        int[] labels = new int[5];
        float[][] perfect = new float[5][d];
        float[][] reversed = new float[5][d];
        float[][] random = new float[5][d];
        for (int i = 0; i < 5; i++) {
            for (int p = 0; p < d; p++) {
                perfect[i][p] = w[p] * images[i][p]; // the exact contribution to the drop toward a zero baseline
                reversed[i][p] = -perfect[i][p];
                random[i][p] = (float) r.nextGaussian();
            }
        }
        MuFidelity metric = new MuFidelity(IN, Baseline.ZERO, 3);
        Scorer f = linear(w);
        assertThat(mean(metric.perImage(f, images, labels, perfect))).isCloseTo(1.0, within(1e-9));
        assertThat(mean(metric.perImage(f, images, labels, reversed))).isCloseTo(-1.0, within(1e-9));
        assertThat(mean(metric.perImage(f, images, labels, random))).isCloseTo(0.0, within(0.15));
    }

    @Test
    void shouldRemoveAboutTwentyPercentOfCellsWhenMuFidelitySamples() {
        // with a constant unit attribution, attr(S) counts removed pixels; f = Σ x on an all-ones image makes the drop
        // the same count: ρ = 1 and the count averages 20 % of 400 pixels
        int d = IN.size();
        float[] ones = new float[d];
        Arrays.fill(ones, 1f);
        double[] removedCounts = new double[1];
        Scorer counting = (flat, n, labels) -> {
            float[] out = linear(ones).scores(flat, n, labels);
            for (int i = 1; i < n; i++) removedCounts[0] += d - out[i];
            return out;
        };
        new MuFidelity(IN, Baseline.ZERO, 4).perImage(counting, new float[][] {ones}, new int[1], new float[][] {ones});
        assertThat(removedCounts[0] / 200 / d).isCloseTo(0.2, within(0.02));
    }

    @Test
    void shouldGiveHandComputedAucWhenDeletionAndInsertionOfFourPixels() {
        ModelMetadata.Input four = ModelMetadata.Input.unitRange(1, 4, 1);
        Scorer f = linear(new float[] {4, 3, 2, 1});
        float[][] x = {{1, 1, 1, 1}};
        float[][] perfect = {{4, 3, 2, 1}};
        float[][] reversed = {{1, 2, 3, 4}};
        CausalFidelity deletion = new CausalFidelity(four, CausalFidelity.Mode.DELETION, Baseline.ZERO, 4, 0);
        CausalFidelity insertion = new CausalFidelity(four, CausalFidelity.Mode.INSERTION, Baseline.ZERO, 4, 0);
        // deletion scores 10, 6, 3, 1, 0 → mean of (8, 4.5, 2, 0.5) = 3.75; reversed 10, 9, 7, 4, 0 → 6.25
        assertThat(deletion.perImage(f, x, new int[1], perfect)[0]).isCloseTo(3.75, within(1e-6));
        assertThat(deletion.perImage(f, x, new int[1], reversed)[0]).isCloseTo(6.25, within(1e-6));
        // insertion scores 0, 4, 7, 9, 10 → 6.25; reversed 0, 1, 3, 6, 10 → 3.75
        assertThat(insertion.perImage(f, x, new int[1], perfect)[0]).isCloseTo(6.25, within(1e-6));
        assertThat(insertion.perImage(f, x, new int[1], reversed)[0]).isCloseTo(3.75, within(1e-6));
    }

    @Test
    void shouldGiveEachImageItsPerImageValueWhenTheProbesOfSeveralImagesAreScoredInOneCall() {
        int d = IN.size();
        float[] w = randomWeights(8, d);
        Random r = new Random(9);
        float[][] images = new float[3][d];
        float[][] maps = new float[3][d];
        for (int i = 0; i < 3; i++) {
            for (int p = 0; p < d; p++) {
                images[i][p] = r.nextFloat();
                maps[i][p] = (float) (w[p] * images[i][p] + 0.3 * r.nextGaussian());
            }
        }
        int[] labels = {0, 2, 1};
        // a score that depends on the label, so that a row scored for another image's class would show
        Scorer f = (flat, n, ls) -> {
            float[] out = linear(w).scores(flat, n, ls);
            for (int i = 0; i < n; i++) out[i] *= 1 + ls[i];
            return out;
        };
        MuFidelity mu = new MuFidelity(IN, 5, 0.2, 30, Baseline.UNIFORM, 4);
        CausalFidelity deletion = new CausalFidelity(IN, CausalFidelity.Mode.DELETION, Baseline.UNIFORM, 7, 5);
        java.util.List<PerturbedInputs> probes = new java.util.ArrayList<>();
        java.util.List<Integer> rowLabels = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            for (PerturbedInputs probe :
                    java.util.List.of(mu.probe(images[i], maps[i]), deletion.probe(images[i], maps[i]))) {
                probes.add(probe);
                for (int k = 0; k < probe.rows(); k++) rowLabels.add(labels[i]);
            }
        }
        int rows = rowLabels.size();
        float[] flat = new float[rows * d];
        int at = 0;
        for (PerturbedInputs probe : probes) {
            System.arraycopy(probe.inputs(), 0, flat, at * d, probe.rows() * d);
            at += probe.rows();
        }
        float[] scores = f.scores(
                flat, rows, rowLabels.stream().mapToInt(Integer::intValue).toArray());

        double[] muExpected = new MuFidelity(IN, 5, 0.2, 30, Baseline.UNIFORM, 4).perImage(f, images, labels, maps);
        at = 0;
        for (int i = 0; i < 3; i++) {
            PerturbedInputs muProbe = probes.get(2 * i);
            PerturbedInputs deletionProbe = probes.get(2 * i + 1);
            double muValue = muProbe.value(Arrays.copyOfRange(scores, at, at + muProbe.rows()));
            at += muProbe.rows();
            double deletionValue = deletionProbe.value(Arrays.copyOfRange(scores, at, at + deletionProbe.rows()));
            at += deletionProbe.rows();
            assertThat(muValue).as("µFidelity of image %d", i).isEqualTo(muExpected[i]);
            // a probe draws the uniform baseline of an image scored alone
            double deletionAlone = new CausalFidelity(IN, CausalFidelity.Mode.DELETION, Baseline.UNIFORM, 7, 5)
                    .perImage(f, new float[][] {images[i]}, new int[] {labels[i]}, new float[][] {maps[i]})[0];
            assertThat(deletionValue).as("Deletion AUC of image %d", i).isEqualTo(deletionAlone);
        }
        assertThat(muExpected[0]).isNotEqualTo(muExpected[1]);
    }

    @Test
    void shouldPickTheLabelsLogitAndNegateABinaryOneWhenScoringFromLogits() {
        float[] threeClasses = {1, 2, 3, 4, 5, 6};
        Scorer multiclass = Scorer.ofLogits((flat, n) -> threeClasses);
        assertThat(multiclass.scores(new float[2], 2, new int[] {2, 0})).containsExactly(3f, 4f);
        Scorer binary = Scorer.ofLogits((flat, n) -> new float[] {0.5f, -2f});
        assertThat(binary.scores(new float[2], 2, new int[] {1, 0})).containsExactly(0.5f, 2f);
        assertThat(Scorer.ofLogits((flat, n) -> new float[5]).scores(new float[0], 0, new int[0]))
                .isEmpty();
    }

    @Test
    void shouldGiveZeroForAConstantExplainerAndMoreForANoisyOneWhenStability() {
        int d = IN.size();
        float[] w = randomWeights(5, d);
        float[][] images = {new float[d], new float[d]};
        Stability stability = new Stability(IN, 0.3, 10, 6);
        // a linear model's saliency does not move: perfectly stable
        Stability.Attributor constant = (xs, labels) -> {
            float[][] out = new float[xs.length][];
            for (int i = 0; i < xs.length; i++) out[i] = w.clone();
            return out;
        };
        assertThat(mean(stability.perImage(constant, images, new int[2], new float[][] {w, w})))
                .isEqualTo(0.0);
        // an attribution equal to the input itself ranks the noise: unrelated to the base map
        Stability.Attributor identity = (xs, labels) -> xs;
        float[][] base = identity.attribute(images, new int[2]);
        double noisy = mean(stability.perImage(identity, images, new int[2], base));
        assertThat(noisy).isGreaterThan(0.5);
        // the offsets lie in the ball
        for (float[] offset : stability.ballOffsets(d)) {
            double n = 0;
            for (float v : offset) n += v * v;
            assertThat(Math.sqrt(n)).isLessThanOrEqualTo(0.3 + 1e-6);
        }
    }

    @Test
    void shouldKeepEveryCoordinateWithinRadiusWhenBallIsLinf() {
        Stability linf = new Stability(IN, Stability.Ball.LINF, 0.3, 5, 1);
        double largest = 0;
        for (float[] offset : linf.ballOffsets(IN.size())) {
            for (float v : offset) {
                assertThat(Math.abs(v)).isLessThanOrEqualTo(0.3f);
                largest = Math.max(largest, Math.abs(v));
            }
        }
        assertThat(largest).isGreaterThan(0.29); // 2,000 draws fill the interval
    }

    @Test
    void shouldCountTopPixelsInTheNullBlock() {
        float[] map = {0.9f, 0.8f, 0.1f, 0.05f, 0.7f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
        boolean[] nullBlock = {false, false, false, false, true, true, true, true, true, true};
        assertThat(ExplanationMetrics.nullBlockFraction(map, nullBlock, 20)).isEqualTo(0.0); // top 2: both signal
        assertThat(ExplanationMetrics.nullBlockFraction(map, nullBlock, 30)).isCloseTo(1 / 3.0, within(1e-12));
    }

    @Test
    void shouldGiveZeroDistanceForProportionalMapsAndSmallerJpegForSmoothMaps() {
        float[] a = {1, 2, 3, 4};
        float[] b = {2, 4, 6, 8};
        assertThat(ExplanationMetrics.normalizedL2(a, b)).isCloseTo(0.0, within(1e-12));
        assertThat(ExplanationMetrics.normalizedL2(new float[] {1, 0}, new float[] {0, 1}))
                .isCloseTo(2.0, within(1e-12));
        float[] smooth = new float[784];
        float[] noise = new float[784];
        Random r = new Random(8);
        for (int p = 0; p < 784; p++) {
            smooth[p] = (float) Math.exp(-(Math.pow(p / 28 - 14, 2) + Math.pow(p % 28 - 14, 2)) / 40);
            noise[p] = r.nextFloat();
        }
        assertThat(ExplanationMetrics.jpegBytes(smooth, 28, 28, 1))
                .isLessThan(ExplanationMetrics.jpegBytes(noise, 28, 28, 1));
    }

    static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }
}
