package io.otnn.reproduction.tables;

import static io.otnn.reproduction.paper.PaperValues.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.metrics.Evaluation;
import io.otnn.explain.metrics.EvaluationTable;
import io.otnn.reproduction.models.ModelRole;
import io.otnn.reproduction.models.ModelRun;
import io.otnn.reproduction.tables.ComparisonTable.Cell;
import io.otnn.reproduction.tables.ComparisonTable.Source;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The mapping from explain-core's table names to the paper's cells, on hand-made evaluation tables. */
class PaperTablesTest {

    /** Explain-core's own column names under the paper's options, so the mapping is checked against the real ones. */
    static final Evaluation.Options OPTIONS = Evaluation.Options.paperDefaults();

    static String column(Evaluation.Metric metric) {
        return metric.column(OPTIONS);
    }

    static EvaluationTable evaluation(String model, double saliencyUniform) {
        EvaluationTable t = new EvaluationTable();
        t.put(model, "Saliency", column(Evaluation.Metric.MU_FIDELITY_UNIFORM), saliencyUniform);
        t.put(model, "Saliency", column(Evaluation.Metric.MU_FIDELITY_ZERO), 0.30);
        t.put(model, "SmoothGrad", column(Evaluation.Metric.MU_FIDELITY_UNIFORM), 0.11);
        t.put(model, "IntegratedGradients", column(Evaluation.Metric.MU_FIDELITY_UNIFORM), -0.02);
        t.put(model, "GradientInput", column(Evaluation.Metric.MU_FIDELITY_UNIFORM), 0.05);
        t.put(model, "Saliency", column(Evaluation.Metric.STABILITY_SPEARMAN), 0.61);
        t.put(model, "Saliency", column(Evaluation.Metric.DELETION_ZERO), 0.20);
        t.put(model, "SmoothGrad", column(Evaluation.Metric.DELETION_ZERO), 0.10);
        t.put(model, "IntegratedGradients", column(Evaluation.Metric.DELETION_ZERO), 0.30);
        t.put(model, "GradientInput", column(Evaluation.Metric.DELETION_ZERO), 0.25);
        t.put(model, "Saliency", column(Evaluation.Metric.INSERTION_ZERO), 0.50);
        t.put(model, "SmoothGrad", column(Evaluation.Metric.INSERTION_ZERO), 0.40);
        t.put(model, "Saliency", column(Evaluation.Metric.JPEG_KB), 0.912);
        t.put(model, Evaluation.SALIENCY_VS_SMOOTHGRAD, PaperTables.DISTANCE_METRIC, 0.0042);
        return t;
    }

    static ModelRun run(ModelRole role, double accuracy) {
        ModelMetadata metadata = null;
        return new ModelRun(
                role,
                Path.of(role.cliName()),
                metadata,
                true,
                "otnn train",
                1,
                100,
                50,
                accuracy,
                new double[] {1, 1, 1},
                Double.NaN,
                2.0,
                3.0);
    }

    static Measurements measurements(EvaluationTable block) {
        return measurements(block, null);
    }

    static Measurements measurements(EvaluationTable block, EvaluationTable blockBaseline) {
        Map<ModelRole, EvaluationTable> metrics = new EnumMap<>(ModelRole.class);
        metrics.put(ModelRole.DENSE_OTNN, evaluation("a", 0.157));
        metrics.put(ModelRole.CNN_OTNN, evaluation("b", 0.2));
        Map<ModelRole, ModelRun> runs = new EnumMap<>(ModelRole.class);
        runs.put(ModelRole.DENSE_OTNN, run(ModelRole.DENSE_OTNN, 0.8512));
        runs.put(ModelRole.DENSE_EQ4, run(ModelRole.DENSE_EQ4, 0.7));
        Map<ModelRole, String> skipped = new EnumMap<>(ModelRole.class);
        skipped.put(ModelRole.DENSE_BASELINE, "skipped with --skip dense-baseline");
        return new Measurements(runs, metrics, block, blockBaseline, skipped, 4, 0);
    }

    @Test
    void shouldPutExplainCoresFiguresInThePapersCellsWhenTheNamesMatch() {
        ComparisonTable t1 = new PaperTables(measurements(null)).table1();
        ComparisonTable.Row saliencyUniform = t1.rows().get(0);
        assertThat(saliencyUniform.section()).isEqualTo(MU_FIDELITY_UNIFORM);
        assertThat(saliencyUniform.label()).isEqualTo(SALIENCY);
        assertThat(saliencyUniform.cells().get(0).text()).isEqualTo("0.156");
        assertThat(saliencyUniform.cells().get(1).value()).isEqualTo(0.157);
        assertThat(saliencyUniform.cells().get(2).value()).isEqualTo(0.2);
        assertThat(saliencyUniform.cells().get(3).text()).isEqualTo("-0.001");
        assertThat(saliencyUniform.cells().get(4).reason()).isEqualTo("skipped with --skip dense-baseline");
        ComparisonTable.Row distance = t1.rows().get(13);
        assertThat(distance.cells().get(1).text()).isEqualTo("4.2e-03");
    }

    @Test
    void shouldMarkCellsNotMeasuredWhenTheMethodOrMetricIsMissing() {
        PaperTables tables = new PaperTables(measurements(null));
        assertThat(tables.metric(ModelRole.CNN_OTNN, MU_FIDELITY_UNIFORM, GRADCAM)
                        .reason())
                .isEqualTo("explain-core has no GradCam attribution method yet");
        assertThat(tables.metric(ModelRole.DENSE_OTNN, MU_FIDELITY_UNIFORM, GRADCAM)
                        .reason())
                .contains("needs a convolutional layer");
        assertThat(tables.metric(ModelRole.CNN_OTNN, ROBUSTNESS_SR, SALIENCY).reason())
                .isEqualTo("explain-core has no Robustness-SR (↓) metric yet");
        assertThat(tables.metric(ModelRole.CNN_OTNN, STABILITY, SMOOTHGRAD).reason())
                .isEqualTo("explain-core gives no Stability Spearman rank (↓) for SmoothGrad");
        for (ComparisonTable.Row row : tables.table9().rows()) {
            if (row.label().contains("ours")) {
                assertThat(row.cells()).allSatisfy(c -> assertThat(c.source()).isEqualTo(Source.NOT_MEASURED));
            }
        }
    }

    @Test
    void shouldRankSaliencyAmongTheMeasuredMethodsWhenFillingTable8() {
        ComparisonTable t8 = new PaperTables(measurements(null)).table8();
        ComparisonTable.Row deletionDense = t8.rows().stream()
                .filter(r -> r.section().equals(DELETION_ZERO) && r.label().equals("OTNN (ours, dense)"))
                .findFirst()
                .orElseThrow();
        // deletion: lower is better; 0.10 (SmoothGrad) < 0.20 (Saliency) < 0.25 < 0.30
        assertThat(deletionDense.cells().get(6).text()).isEqualTo("Rk2 of 4");
        ComparisonTable.Row insertionDense = t8.rows().stream()
                .filter(r -> r.section().equals(INSERTION_ZERO) && r.label().equals("OTNN (ours, dense)"))
                .findFirst()
                .orElseThrow();
        // insertion: higher is better; Saliency 0.50 beats SmoothGrad 0.40
        assertThat(insertionDense.cells().get(6).text()).isEqualTo("Rk1 of 2");
        ComparisonTable.Row paper = t8.rows().get(0);
        assertThat(paper.label()).isEqualTo("OTNN (paper)");
        assertThat(paper.cells().get(6).text()).isEqualTo("Rk4");
    }

    @Test
    void shouldFillAccuracyJpegAndNullBlockCellsWhenTheirFiguresExist() {
        EvaluationTable block = new EvaluationTable();
        double[] k = {2.5, 5, 10, 15, 20, 25, 30};
        for (int i = 0; i < k.length; i++) block.put("blk", "Saliency", "null@" + k[i] + "%", i + 0.21);
        PaperTables tables = new PaperTables(measurements(block));
        ComparisonTable t6 = tables.table6();
        assertThat(t6.rows().get(2).cells().get(1).text()).isEqualTo("85.1");
        assertThat(t6.rows().get(1).cells().get(1).value()).isEqualTo(70.0);
        assertThat(t6.rows().get(1).cells().get(2).source()).isEqualTo(Source.NOT_MEASURED);
        ComparisonTable t10 = tables.table10();
        assertThat(t10.rows().get(0).cells().get(1).text()).isEqualTo("0.912");
        ComparisonTable t11 = tables.table11();
        List<Cell> ours = t11.rows().get(3).cells();
        assertThat(ours.get(0).text()).isEqualTo("0.2");
        assertThat(ours.get(6).value()).isEqualTo(6.21);
        assertThat(t11.rows().get(2).cells().get(0).text()).isEqualTo("< 1");
        assertThat(t11.rows().get(4).label()).startsWith("Unconstrained");
        assertThat(t11.rows().get(4).cells())
                .allSatisfy(c -> assertThat(c.source()).isEqualTo(Source.NOT_MEASURED));
    }

    @Test
    void shouldFillTheUnconstrainedRowOfTable11FromItsOwnEvaluation() {
        EvaluationTable block = new EvaluationTable();
        EvaluationTable twin = new EvaluationTable();
        double[] k = {2.5, 5, 10, 15, 20, 25, 30};
        for (int i = 0; i < k.length; i++) {
            block.put("otnn", "Saliency", "null@" + k[i] + "%", 1 + i);
            twin.put("twin", "Saliency", "null@" + k[i] + "%", 40 + i);
        }
        ComparisonTable t11 = new PaperTables(measurements(block, twin)).table11();
        assertThat(t11.rows().get(3).cells().get(0).value()).isEqualTo(1.0);
        assertThat(t11.rows().get(4).cells())
                .extracting(Cell::value)
                .containsExactly(40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0);
    }
}
