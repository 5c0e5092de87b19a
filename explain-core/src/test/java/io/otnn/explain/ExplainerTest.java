package io.otnn.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.otnn.explain.testing.FixtureModel;
import io.otnn.explain.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The explainer against independent computations: closed forms of a linear model, finite differences, logits. */
class ExplainerTest {

    static OtnnModel linear;
    static OtnnModel binary;
    static OtnnModel groupSort;

    @BeforeAll
    static void load() {
        linear = OtnnModel.load(Fixtures.linear());
        binary = OtnnModel.load(Fixtures.binaryLinear());
        groupSort = OtnnModel.load(Fixtures.groupSort());
    }

    @AfterAll
    static void close() {
        linear.close();
        binary.close();
        groupSort.close();
    }

    @Test
    void shouldGiveClosedFormBoundaryPointAndCounterfactualWhenModelIsLinear() {
        FixtureModel m = Fixtures.linearModel();
        float[][] w = m.weights().get(0);
        float[][] images = Fixtures.images(1, 16, m.inputSize());
        try (Explainer explainer = linear.newExplainer().withT(1.7)) {
            List<ImageExplanation> out = explainer.explain(images);
            for (int i = 0; i < images.length; i++) {
                double[] f = m.forward(images[i]);
                int k = argmax(f, -1);
                int j = argmax(f, k);
                ImageExplanation e = out.get(i);
                assertThat(e.predicted()).isEqualTo(k);
                assertThat(e.runnerUp()).isEqualTo(j);
                assertThat(e.targeted()).isFalse();
                assertThat(e.scores()[k]).isCloseTo((float) f[k], within(1e-5f));
                double g = f[k] - f[j];
                assertThat(e.margin()).isCloseTo(g, within(1e-5));
                assertThat(e.radius()).isCloseTo(g / Math.sqrt(2.0), within(1e-5));
                double norm2 = 0;
                for (float[] row : w) norm2 += Math.pow(row[k] - row[j], 2);
                for (int p = 0; p < m.inputSize(); p++) {
                    double grad = w[p][k] - w[p][j];
                    double boundary = images[i][p] - g * grad / norm2;
                    double cf = Math.min(1.0, Math.max(0.0, images[i][p] - 1.7 * g * grad / norm2));
                    assertThat((double) e.boundaryPoint()[p]).isCloseTo(boundary, within(1e-5));
                    assertThat((double) e.counterfactual()[p]).isCloseTo(cf, within(1e-5));
                    assertThat((double) e.saliency()[p]).isCloseTo(Math.abs(w[p][k]), within(1e-6));
                    assertThat((double) e.signedGradient()[p]).isCloseTo(w[p][k], within(1e-6));
                }
                assertThat(e.boundaryDistance()).isCloseTo(g / Math.sqrt(norm2), within(1e-5));
                assertThat(e.boundaryResidual()).isCloseTo(0.0, within(1e-4));
                assertThat(e.t()).isEqualTo(1.7);
                assertThat(e.predictedName()).isEqualTo("class-" + k);
            }
        }
    }

    @Test
    void shouldExplainTowardRequestedTargetWhenTargetsAreGiven() {
        FixtureModel m = Fixtures.linearModel();
        float[][] w = m.weights().get(0);
        float[][] images = Fixtures.images(2, 6, m.inputSize());
        int[] targets = {0, -1, 1, 2, 3, -1};
        List<ImageExplanation> out = linear.explain(images, targets);
        for (int i = 0; i < images.length; i++) {
            double[] f = m.forward(images[i]);
            int k = argmax(f, -1);
            int j = targets[i] == -1 ? argmax(f, k) : targets[i];
            ImageExplanation e = out.get(i);
            assertThat(e.runnerUp()).isEqualTo(j);
            assertThat(e.targeted()).isEqualTo(targets[i] != -1);
            assertThat(e.radius()).isCloseTo((f[k] - f[argmax(f, k)]) / Math.sqrt(2), within(1e-5));
            if (j == k) {
                assertThat(e.margin()).isZero();
                assertThat(e.counterfactual()).containsExactly(images[i]);
                continue;
            }
            double g = f[k] - f[j];
            double norm2 = 0;
            for (float[] row : w) norm2 += Math.pow(row[k] - row[j], 2);
            assertThat(e.margin()).isCloseTo(g, within(1e-5));
            for (int p = 0; p < m.inputSize(); p++) {
                double boundary = images[i][p] - g * (w[p][k] - w[p][j]) / norm2;
                assertThat((double) e.boundaryPoint()[p]).isCloseTo(boundary, within(1e-5));
            }
            assertThat(e.boundaryResidual()).isCloseTo(0.0, within(1e-4));
        }
    }

    @Test
    void shouldUseTheSingleLogitWhenModelIsBinary() {
        FixtureModel m = Fixtures.binaryLinearModel();
        float[][] w = m.weights().get(0);
        float[][] images = Fixtures.images(3, 20, m.inputSize());
        List<ImageExplanation> out = binary.explain(images);
        double norm2 = 0;
        for (float[] row : w) norm2 += row[0] * row[0];
        for (int i = 0; i < images.length; i++) {
            double f = m.forward(images[i])[0];
            ImageExplanation e = out.get(i);
            assertThat(e.scores()).hasSize(1);
            assertThat(e.predicted()).isEqualTo(f > 0 ? 1 : 0);
            assertThat(e.runnerUp()).isEqualTo(f > 0 ? 0 : 1);
            assertThat(e.predictedName()).isEqualTo(f > 0 ? "positive" : "negative");
            assertThat(e.radius()).isCloseTo(Math.abs(f), within(1e-5)); // |f| / L with L = 1, no factor c
            for (int p = 0; p < m.inputSize(); p++) {
                // the paper's x − f(x) ∇f(x) / ‖∇f‖²
                assertThat((double) e.boundaryPoint()[p]).isCloseTo(images[i][p] - f * w[p][0] / norm2, within(1e-5));
                assertThat((double) e.saliency()[p]).isCloseTo(Math.abs(w[p][0]), within(1e-6));
            }
            assertThat(e.boundaryResidual()).isCloseTo(0.0, within(1e-4));
        }
    }

    @Test
    void shouldComputeCertificatesFromLogitsWhenNetworkIsNonLinear() {
        FixtureModel m = Fixtures.groupSortModel();
        float[][] images = Fixtures.images(4, 32, m.inputSize());
        List<ImageExplanation> out = groupSort.explain(images);
        for (int i = 0; i < images.length; i++) {
            double[] f = m.forward(images[i]);
            int k = argmax(f, -1);
            int j = argmax(f, k);
            ImageExplanation e = out.get(i);
            assertThat(e.predicted()).isEqualTo(k);
            assertThat(e.radius()).isCloseTo((f[k] - f[j]) / (Math.sqrt(2) * 1.0), within(1e-5));
            assertThat(e.certificateFactor()).isEqualTo(Math.sqrt(2));
            assertThat(e.lipschitz()).isEqualTo(1.0);
            // the self-check is recomputed independently: class of x_cf and g(x_δ) from the Java forward pass
            double[] fcf = m.forward(e.counterfactual());
            assertThat(e.counterfactualClass()).isEqualTo(argmax(fcf, -1));
            double[] fb = m.forward(e.boundaryPoint());
            assertThat(e.boundaryResidual()).isCloseTo(fb[k] - fb[j], within(1e-4));
        }
    }

    @Test
    void shouldGiveClosedFormCounterfactualsAndTheirClassesWhenAskedForSeveralT() {
        FixtureModel m = Fixtures.linearModel();
        float[][] w = m.weights().get(0);
        float[][] images = Fixtures.images(21, 12, m.inputSize());
        double[] ts = {0.5, 1.0, 2.0, 5.0};
        try (Explainer explainer = linear.newExplainer()) {
            List<ImageExplanation> explanations = explainer.explain(images);
            List<List<CounterfactualStep>> out = explainer.counterfactuals(images, explanations, ts);
            assertThat(out).hasSize(images.length);
            for (int i = 0; i < images.length; i++) {
                ImageExplanation e = explanations.get(i);
                int k = e.predicted();
                int j = e.runnerUp();
                double[] f = m.forward(images[i]);
                double g = f[k] - f[j];
                double norm2 = 0;
                for (float[] row : w) norm2 += Math.pow(row[k] - row[j], 2);
                assertThat(out.get(i)).extracting(CounterfactualStep::t).containsExactly(0.5, 1.0, 2.0, 5.0);
                for (CounterfactualStep step : out.get(i)) {
                    double[] cf = new double[m.inputSize()];
                    float[] cfFloat = new float[m.inputSize()];
                    double distance2 = 0;
                    for (int p = 0; p < cf.length; p++) {
                        cf[p] = Math.min(1.0, Math.max(0.0, images[i][p] - step.t() * g * (w[p][k] - w[p][j]) / norm2));
                        cfFloat[p] = (float) cf[p];
                        distance2 += Math.pow(cf[p] - images[i][p], 2);
                        assertThat((double) step.image()[p]).isCloseTo(cf[p], within(1e-5));
                    }
                    assertThat(step.distance()).isCloseTo(Math.sqrt(distance2), within(1e-5));
                    if (step.t() == 1.0) continue; // on the boundary: the class is a tie up to rounding
                    double[] direct = m.forward(cfFloat);
                    int best = argmax(direct, -1);
                    assertThat(direct[best] - direct[argmax(direct, best)])
                            .as("x_cf(%s) is off the boundary", step.t())
                            .isGreaterThan(1e-4);
                    assertThat(step.predictedClass())
                            .as("image %d, t = %s", i, step.t())
                            .isEqualTo(best);
                }
                // t = 2 (the explainer's default) gives back the explanation's own counterfactual and its class
                CounterfactualStep two = out.get(i).get(2);
                for (int p = 0; p < m.inputSize(); p++) {
                    assertThat(two.image()[p]).isCloseTo(e.counterfactual()[p], within(1e-6f));
                }
                assertThat(two.predictedClass()).isEqualTo(e.counterfactualClass());
            }
        }
    }

    @Test
    void shouldReportTheClassOfADirectEvaluationOfEachCounterfactualWhenNetworkIsNonLinear() {
        FixtureModel m = Fixtures.groupSortModel();
        float[][] images = Fixtures.images(22, 24, m.inputSize());
        double[] ts = {0.5, 2.0, 5.0};
        try (Explainer explainer = groupSort.newExplainer()) {
            List<ImageExplanation> explanations = explainer.explain(images);
            List<List<CounterfactualStep>> out = explainer.counterfactuals(images, explanations, ts);
            int changed = 0;
            for (int i = 0; i < images.length; i++) {
                ImageExplanation e = explanations.get(i);
                for (CounterfactualStep step : out.get(i)) {
                    for (int p = 0; p < m.inputSize(); p++) {
                        double onLine = images[i][p] + step.t() * (e.boundaryPoint()[p] - images[i][p]);
                        assertThat((double) step.image()[p]).isCloseTo(Math.min(1, Math.max(0, onLine)), within(1e-5));
                    }
                    assertThat(step.predictedClass())
                            .as("image %d, t = %s", i, step.t())
                            .isEqualTo(argmax(m.forward(step.image()), -1));
                }
                if (out.get(i).get(0).predictedClass() != out.get(i).get(2).predictedClass()) changed++;
            }
            assertThat(changed)
                    .as("images whose counterfactual changes class between t = 0.5 and t = 5")
                    .isPositive();
        }
    }

    @Test
    void shouldRefuseCounterfactualsWhenTIsNotPositiveOrExplanationsDoNotMatch() {
        float[][] images = Fixtures.images(23, 2, 60);
        try (Explainer explainer = linear.newExplainer()) {
            List<ImageExplanation> explanations = explainer.explain(images);
            assertThatThrownBy(() -> explainer.counterfactuals(images, explanations, 0.0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("> 0");
            assertThatThrownBy(() -> explainer.counterfactuals(images, explanations, Double.NaN))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> explainer.counterfactuals(images, explanations))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no step factor");
            assertThatThrownBy(() -> explainer.counterfactuals(images, explanations.subList(0, 1), 2.0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("2 images but 1");
        }
    }

    @Test
    void shouldMatchFiniteDifferencesOfServingWhenGradientComesFromExplain() {
        FixtureModel m = Fixtures.groupSortModel();
        int d = m.inputSize();
        float[][] images = Fixtures.images(5, 8, d);
        double eps = 4e-3;
        try (Explainer explainer = groupSort.newExplainer()) {
            for (float[] x : images) {
                RawOutputs raw = explainer.explainRaw(x, 1);
                int k = explainer.classOf(raw.logits(), 0);
                float[] probes = new float[2 * d * d];
                for (int p = 0; p < d; p++) {
                    System.arraycopy(x, 0, probes, 2 * p * d, d);
                    System.arraycopy(x, 0, probes, (2 * p + 1) * d, d);
                    probes[2 * p * d + p] += (float) eps;
                    probes[(2 * p + 1) * d + p] -= (float) eps;
                }
                float[] logits = explainer.logits(probes, 2 * d);
                int classes = raw.classes();
                double err = 0;
                double norm = 0;
                for (int p = 0; p < d; p++) {
                    double fd = (logits[2 * p * classes + k] - logits[(2 * p + 1) * classes + k]) / (2 * eps);
                    err += Math.pow(fd - raw.gradTop1()[p], 2);
                    norm += Math.pow(raw.gradTop1()[p], 2);
                }
                assertThat(Math.sqrt(err / norm)).isLessThan(1e-3);
            }
        }
    }

    @Test
    void shouldGiveSameResultsWhenFourThreadsExplainConcurrently() throws Exception {
        FixtureModel m = Fixtures.groupSortModel();
        float[][] images = Fixtures.images(6, 24, m.inputSize());
        List<ImageExplanation> expected;
        try (Explainer single = groupSort.newExplainer()) {
            expected = single.explain(images);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<List<ImageExplanation>>>> futures = new ArrayList<>();
            for (int thread = 0; thread < 4; thread++) {
                final boolean pooled = thread % 2 == 0;
                futures.add(pool.submit(() -> {
                    List<List<ImageExplanation>> runs = new ArrayList<>();
                    if (pooled) {
                        for (int r = 0; r < 25; r++) runs.add(groupSort.explain(images));
                    } else {
                        try (Explainer own = groupSort.newExplainer()) {
                            for (int r = 0; r < 25; r++) runs.add(own.explain(images));
                        }
                    }
                    return runs;
                }));
            }
            for (Future<List<List<ImageExplanation>>> future : futures) {
                for (List<ImageExplanation> run : future.get()) {
                    for (int i = 0; i < images.length; i++) {
                        ImageExplanation a = expected.get(i);
                        ImageExplanation b = run.get(i);
                        assertThat(b.predicted()).isEqualTo(a.predicted());
                        assertThat(b.counterfactualClass()).isEqualTo(a.counterfactualClass());
                        assertThat(b.scores()).containsExactly(a.scores(), within(1e-6f));
                        assertThat(b.saliency()).containsExactly(a.saliency(), within(1e-6f));
                        assertThat(b.counterfactual()).containsExactly(a.counterfactual(), within(1e-6f));
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldExplainAndCheckInTwoCallsWhenTheCheckpointHasNoExplainCheckedSignature() {
        FixtureModel m = Fixtures.groupSortModel();
        float[][] images = Fixtures.images(8, 12, m.inputSize());
        try (Explainer explainer = groupSort.newExplainer()) {
            assertThat(explainer.hasExplainChecked()).isFalse();
            List<ImageExplanation> out = explainer.explain(images);
            assertThat(out).hasSize(images.length);
            for (int i = 0; i < images.length; i++) {
                ImageExplanation e = out.get(i);
                double[] f = m.forward(images[i]);
                assertThat(e.predicted()).isEqualTo(argmax(f, -1));
                assertThat(e.runnerUp()).isEqualTo(argmax(f, e.predicted()));
                double[] atBoundary = m.forward(e.boundaryPoint());
                assertThat(e.boundaryResidual())
                        .isCloseTo(atBoundary[e.predicted()] - atBoundary[e.runnerUp()], within(1e-4));
                assertThat(e.counterfactualClass()).isEqualTo(argmax(m.forward(e.counterfactual()), -1));
            }
        }
    }

    @Test
    void shouldRefuseWhenImageSizeOrTargetOrTIsInvalid() {
        try (Explainer explainer = linear.newExplainer()) {
            assertThatThrownBy(() -> explainer.explain(new float[][] {new float[3]}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("[6, 5, 2]");
            assertThatThrownBy(() -> explainer.explain(Fixtures.images(1, 1, 60), new int[] {9}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("target 9");
            assertThatThrownBy(() -> explainer.withT(1.0)).isInstanceOf(IllegalArgumentException.class);
            assertThat(explainer.explain(new float[0][])).isEmpty();
        }
    }

    static int argmax(double[] f, int skip) {
        int best = -1;
        for (int k = 0; k < f.length; k++) {
            if (k != skip && (best < 0 || f[k] > f[best])) best = k;
        }
        return best;
    }
}
