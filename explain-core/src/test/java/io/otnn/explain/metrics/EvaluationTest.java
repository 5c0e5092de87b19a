package io.otnn.explain.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.explain.Explainer;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.attribution.AttributionMethod;
import io.otnn.explain.attribution.GradientInput;
import io.otnn.explain.attribution.IntegratedGradients;
import io.otnn.explain.attribution.Rise;
import io.otnn.explain.attribution.Saliency;
import io.otnn.explain.attribution.SmoothGrad;
import io.otnn.explain.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The batched evaluation against the metrics computed image by image, without batching or sharing. */
class EvaluationTest {

    @Test
    void shouldEqualTheUnbatchedMetricsWhenPassesAreSharedAndBatched() {
        float[][] images = Fixtures.images(31, 5, 784);
        Evaluation.Options options = Evaluation.Options.paperDefaults(4)
                .withStability(new Stability.Definition("xplique-uniform[0,r]", Stability.Ball.UNIFORM, 0.3, 4))
                .withSubsets(3, 2);
        List<AttributionMethod> methods =
                List.of(new Saliency(), new GradientInput(), new IntegratedGradients(6, 0f), new SmoothGrad(5, 0.2, 4));
        try (OtnnModel model = OtnnModel.load(Fixtures.denseMnist());
                Explainer explainer = model.newExplainer()) {
            EvaluationTable table = new EvaluationTable();
            Evaluation.run("m", explainer, images, null, methods, options, table, done -> {});
            List<String> names = Evaluation.metricNames(options);
            assertThat(names.get(2)).isEqualTo("Stability [xplique-uniform[0,r] r=0.3 ×4, first 3 images, 1-spearman]");
            assertThat(names.get(8)).isEqualTo("Robustness-SR [deepfool-l2, 5–45 %, first 2 images]");
            assertThat(Evaluation.Metric.ROBUSTNESS_SR.column(options)).isEqualTo(names.get(8));
            assertThat(Evaluation.Metric.values()).hasSameSizeAs(names.toArray());
            int[] labels = Evaluation.predicted(explainer, images);
            Scorer scorer = Scorer.of(explainer);
            // the shared gradients (at the images and at their neighbours) against each method asked on its own
            for (AttributionMethod method : List.of(methods.get(0), methods.get(1), methods.get(2))) {
                float[][] maps = method.attribute(explainer, images, labels);
                MuFidelity mu = new MuFidelity(
                        model.metadata().input(),
                        20,
                        0.2,
                        200,
                        Baseline.UNIFORM,
                        4,
                        MuFidelity.Sampling.XPLIQUE_EXACT_COUNT);
                assertThat(table.get("m", method.name(), names.get(1)))
                        .isCloseTo(MetricsTest.mean(mu.perImage(scorer, images, labels, maps)), within(1e-9));
                CausalFidelity deletion =
                        new CausalFidelity(model.metadata().input(), CausalFidelity.Mode.DELETION, Baseline.UNIFORM, 4);
                double sum = 0;
                for (int i = 0; i < 5; i++) {
                    sum += deletion.probe(images[i], maps[i], i).scoredBy(scorer, labels[i]);
                }
                assertThat(table.get("m", method.name(), names.get(5))).isCloseTo(sum / 5, within(1e-6));
                Stability stability = new Stability(model.metadata().input(), options.stability(), 4);
                double[] st = stability.perImage(
                        (xs, ys) -> method.attribute(explainer, xs, ys),
                        java.util.Arrays.copyOf(images, 3),
                        java.util.Arrays.copyOf(labels, 3),
                        java.util.Arrays.copyOf(maps, 3));
                assertThat(table.get("m", method.name(), names.get(2))).isCloseTo(MetricsTest.mean(st), within(1e-6));
                double[] rsr = new RobustnessSr(model.metadata().input())
                        .perImage(
                                RobustnessSr.of(explainer),
                                java.util.Arrays.copyOf(images, 2),
                                java.util.Arrays.copyOf(labels, 2),
                                java.util.Arrays.copyOf(maps, 2));
                assertThat(table.get("m", method.name(), names.get(8))).isCloseTo(MetricsTest.mean(rsr), within(1e-6));
            }
            assertThat(table.get("m", "SmoothGrad", names.get(3))).isPositive();
            assertThat(table.seconds().get("m")).containsKeys("predictions", "Saliency: Stability", "total");
        }
    }

    @Test
    void shouldMeasureRiseWithEveryMetricButStabilityWhenItIsADefaultMethod() {
        float[][] images = Fixtures.images(32, 4, 784);
        Evaluation.Options options = Evaluation.Options.paperDefaults(5)
                .withStability(new Stability.Definition("xplique-uniform[0,r]", Stability.Ball.UNIFORM, 0.3, 3))
                .withRiseMasks(300);
        List<AttributionMethod> defaults = Evaluation.defaultMethods(options.seed(), options.riseMasks());
        assertThat(defaults).extracting(AttributionMethod::name).contains("Rise");
        AttributionMethod rise =
                defaults.stream().filter(m -> m instanceof Rise).findFirst().orElseThrow();
        assertThat(((Rise) rise).masks()).isEqualTo(300);
        assertThat(Evaluation.stabilityNotMeasured(rise)).contains("neighbour");
        assertThat(Definitions.of(options).get("Rise")).contains("300 seeded masks");
        try (OtnnModel model = OtnnModel.load(Fixtures.denseMnist());
                Explainer explainer = model.newExplainer()) {
            EvaluationTable table = new EvaluationTable();
            List<Integer> steps = new java.util.ArrayList<>();
            Evaluation.run("m", explainer, images, null, List.of(new Saliency(), rise), options, table, steps::add);
            assertThat(steps).last().isEqualTo(Evaluation.progressSteps(List.of(new Saliency(), rise)));
            List<String> names = Evaluation.metricNames(options);
            int[] labels = Evaluation.predicted(explainer, images);
            float[][] maps = new Rise(300, 5).attribute(explainer, images, labels);
            Scorer scorer = Scorer.of(explainer);
            CausalFidelity insertion =
                    new CausalFidelity(model.metadata().input(), CausalFidelity.Mode.INSERTION, Baseline.ZERO, 5);
            double sum = 0;
            for (int i = 0; i < images.length; i++) {
                sum += insertion.probe(images[i], maps[i], i).scoredBy(scorer, labels[i]);
            }
            assertThat(table.get("m", "Rise", names.get(6))).isCloseTo(sum / images.length, within(1e-6));
            double[] rsr = new RobustnessSr(model.metadata().input())
                    .perImage(RobustnessSr.of(explainer), images, labels, maps);
            assertThat(table.get("m", "Rise", names.get(8))).isCloseTo(MetricsTest.mean(rsr), within(1e-6));
            assertThat(table.get("m", "Rise", names.get(0))).isBetween(-1.0, 1.0);
            assertThat(table.get("m", "Rise", names.get(2))).isNaN();
            assertThat(table.get("m", "Saliency", names.get(2))).isNotNaN();
            assertThat(table.toMarkdown()).contains("| Rise |");
        }
    }
}
