package io.otnn.reproduction.report;

import io.otnn.explain.metrics.EvaluationTable;
import io.otnn.reproduction.ReproductionConfig;
import io.otnn.reproduction.figures.BlockMnistFigure;
import io.otnn.reproduction.figures.KochFigure;
import io.otnn.reproduction.models.ModelRole;
import io.otnn.reproduction.models.ModelRun;
import io.otnn.reproduction.tables.ComparisonTable;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the report states.
 *
 * @param steps      wall time (s) of each step, in order
 * @param commands   the {@code otnn train} and {@code otnn evaluate} commands that redo each step alone
 * @param koch       Figure 2's figures, or null when not drawn
 * @param blockMnist Figure 7's figures, or null when not drawn
 */
public record ReproductionReport(
        ReproductionConfig config,
        Instant started,
        Instant finished,
        Map<String, String> machine,
        double loadAtStart,
        double loadAtEnd,
        Map<ModelRole, ModelRun> runs,
        Map<ModelRole, String> skipped,
        Map<ModelRole, EvaluationTable> evaluations,
        List<ComparisonTable> tables,
        KochFigure.Result koch,
        BlockMnistFigure.Result blockMnist,
        Map<String, Double> steps,
        List<String> commands) {

    public static final String REPORT = "report.md";
    public static final String JSON = "report.json";
    public static final String KOCH_PNG = "koch-snowflakes.png";
    public static final String BLOCK_MNIST_PNG = "block-mnist.png";

    public double seconds() {
        return (finished.toEpochMilli() - started.toEpochMilli()) / 1000.0;
    }
}
