package io.otnn.explain.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.explain.Explainer;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.testing.FixtureModel;
import io.otnn.explain.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Attribution methods against what a linear model gives in closed form, and IG's completeness on a nonlinear one. */
class AttributionMethodsTest {

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
    void shouldGiveTheWeightsOfTheRequestedClassWhenModelIsLinear() {
        FixtureModel m = Fixtures.linearModel();
        float[][] w = m.weights().get(0);
        float[][] images = Fixtures.images(9, 5, m.inputSize());
        int[] labels = {0, 1, 2, 3, 1}; // not necessarily the predicted classes
        try (Explainer explainer = linear.newExplainer()) {
            float[][] saliency = new Saliency().attribute(explainer, images, labels);
            float[][] gxi = new GradientInput().attribute(explainer, images, labels);
            float[][] ig = new IntegratedGradients().attribute(explainer, images, labels);
            float[][] sg = new SmoothGrad().attribute(explainer, images, labels);
            for (int i = 0; i < images.length; i++) {
                for (int p = 0; p < m.inputSize(); p++) {
                    float wc = w[p][labels[i]];
                    assertThat(saliency[i][p]).isCloseTo(Math.abs(wc), within(1e-6f));
                    assertThat(gxi[i][p]).isCloseTo(images[i][p] * wc, within(1e-6f));
                    assertThat(ig[i][p]).isCloseTo(images[i][p] * wc, within(1e-5f));
                    assertThat(sg[i][p])
                            .isCloseTo(wc, within(1e-5f)); // the gradient is constant: noise changes nothing
                }
            }
        }
    }

    @Test
    void shouldOrientTheGradientByClassWhenModelIsBinary() {
        FixtureModel m = Fixtures.binaryLinearModel();
        float[][] w = m.weights().get(0);
        float[][] images = Fixtures.images(10, 2, m.inputSize());
        try (Explainer explainer = binary.newExplainer()) {
            float[][] gxi = new GradientInput().attribute(explainer, images, new int[] {1, 0});
            for (int p = 0; p < m.inputSize(); p++) {
                assertThat(gxi[0][p]).isCloseTo(images[0][p] * w[p][0], within(1e-6f));
                assertThat(gxi[1][p]).isCloseTo(-images[1][p] * w[p][0], within(1e-6f));
            }
        }
    }

    @Test
    void shouldSumToTheScoreDifferenceWhenIntegratedGradientsOfANonlinearNetwork() {
        FixtureModel m = Fixtures.groupSortModel();
        float[][] images = Fixtures.images(11, 6, m.inputSize());
        int[] labels = {0, 1, 2, 3, 4, 0};
        try (Explainer explainer = groupSort.newExplainer()) {
            float[][] ig = new IntegratedGradients(200, 0f).attribute(explainer, images, labels);
            double[] zero = m.forward(new float[m.inputSize()]);
            for (int i = 0; i < images.length; i++) {
                double sum = 0;
                for (float v : ig[i]) sum += v;
                double expected = m.forward(images[i])[labels[i]] - zero[labels[i]];
                assertThat(sum).isCloseTo(expected, within(0.02 * Math.max(1, Math.abs(expected))));
            }
        }
    }

    @Test
    void shouldEqualThePointByPointIntegralWhenIntegratedGradientsSharesItsEndGradients() {
        FixtureModel m = Fixtures.groupSortModel();
        int size = m.inputSize();
        float[][] images = Fixtures.images(13, 7, size);
        int[] labels = {0, 1, 2, 3, 4, 0, 0}; // repeated classes share one baseline gradient
        int steps = 9;
        for (float baseline : new float[] {0f, 0.1f}) {
            try (Explainer explainer = groupSort.newExplainer()) {
                IntegratedGradients ig = new IntegratedGradients(steps, baseline);
                float[][] asked = ig.attribute(explainer, images, labels);
                float[][] ends = new float[images.length][];
                for (int i = 0; i < images.length; i++) {
                    ends[i] = ClassGradients.of(explainer, images[i], 1, new int[] {labels[i]});
                }
                float[][] given = ig.attribute(explainer, images, labels, ends);
                for (int i = 0; i < images.length; i++) {
                    // one point per model call, the trapezoid summed in double
                    double[] sum = new double[size];
                    float[] previous = null;
                    for (int s = 0; s < steps; s++) {
                        float alpha = (float) s / (steps - 1);
                        float[] point = new float[size];
                        for (int p = 0; p < size; p++) point[p] = baseline + alpha * (images[i][p] - baseline);
                        float[] g = ClassGradients.of(explainer, point, 1, new int[] {labels[i]});
                        if (previous != null) for (int p = 0; p < size; p++) sum[p] += 0.5 * (previous[p] + g[p]);
                        previous = g;
                    }
                    for (int p = 0; p < size; p++) {
                        double expected = sum[p] / (steps - 1) * (images[i][p] - baseline);
                        assertThat((double) asked[i][p])
                                .as("image %d pixel %d baseline %s", i, p, baseline)
                                .isCloseTo(expected, within(1e-5));
                        assertThat(given[i][p]).isCloseTo(asked[i][p], within(1e-6f));
                    }
                }
            }
        }
    }

    @Test
    void shouldRepeatSmoothGradExactlyWhenSeedIsTheSame() {
        float[][] images = Fixtures.images(12, 3, 60);
        int[] labels = {0, 1, 2};
        try (Explainer explainer = groupSort.newExplainer()) {
            float[][] a = new SmoothGrad(50, 0.2, 7).attribute(explainer, images, labels);
            float[][] b = new SmoothGrad(50, 0.2, 7).attribute(explainer, new float[][] {images[1]}, new int[] {1});
            assertThat(b[0]).containsExactly(a[1], within(1e-6f));
            float[][] c = new SmoothGrad(50, 0.2, 7).withSeed(8).attribute(explainer, images, labels);
            assertThat(c[1]).isNotEqualTo(a[1]);
            float[][] again = new SmoothGrad(50, 0.2, 7).attribute(explainer, images, labels);
            for (int i = 0; i < images.length; i++) {
                assertThat(again[i]).as("image %d, same seed", i).containsExactly(a[i]);
            }
            // Saliency draws nothing: a seed must not change it
            float[][] plain = new Saliency().attribute(explainer, images, labels);
            float[][] seeded = new Saliency().withSeed(8).attribute(explainer, images, labels);
            for (int i = 0; i < images.length; i++) {
                assertThat(seeded[i]).as("image %d, Saliency with a seed", i).containsExactly(plain[i]);
            }
        }
    }
}
