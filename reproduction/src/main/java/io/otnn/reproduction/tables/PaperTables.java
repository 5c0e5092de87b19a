package io.otnn.reproduction.tables;

import static io.otnn.reproduction.paper.PaperValues.*;

import io.otnn.explain.metrics.Evaluation;
import io.otnn.explain.metrics.EvaluationTable;
import io.otnn.reproduction.models.ModelRole;
import io.otnn.reproduction.models.ModelRun;
import io.otnn.reproduction.paper.PaperTable;
import io.otnn.reproduction.tables.ComparisonTable.Cell;
import io.otnn.reproduction.tables.ComparisonTable.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one mapping from explain-core's {@link EvaluationTable} (method and metric names as {@code otnn evaluate} writes
 * them) and the trainer's figures to the paper's tables. When explain-core's metrics change names or gain new ones
 * (Grad-CAM, Rise, Robustness-SR...), this class is the only one to adapt: {@link #METHODS} and {@link #METRICS}. A
 * paper cell whose method or metric is missing from the evaluation reads "not measured", with the reason; no figure
 * is ever filled in.
 */
public final class PaperTables {

    /** Paper method → explain-core's method names that measure it (the first present is used). */
    static final Map<String, List<String>> METHODS = Map.of(
            SALIENCY, List.of("Saliency"),
            SMOOTHGRAD, List.of("SmoothGrad"),
            INTEGRATED_GRADIENTS, List.of("IntegratedGradients"),
            GRADIENT_INPUT, List.of("GradientInput"),
            GRADCAM, List.of("GradCAM", "GradCam", "Grad-CAM"),
            RISE, List.of("Rise", "RISE"));

    /**
     * Paper metric (a table section) → patterns of explain-core's column names, whose bracket names the definition
     * (explain-core/README.md, "Metrics"); the first pattern a column matches is used. µFidelity is Xplique's exact
     * count of cells without the (H, W) broadcast of Xplique ≤ 1.3.0 (a column of its own), Stability its 1 − ρ.
     */
    static final Map<String, List<Pattern>> METRICS = Map.of(
            MU_FIDELITY_UNIFORM, List.of(Pattern.compile("µFidelity-uniform \\[(?!.*broadcast).*\\]")),
            MU_FIDELITY_ZERO, List.of(Pattern.compile("µFidelity-zero \\[(?!.*broadcast).*\\]")),
            STABILITY, List.of(Pattern.compile("Stability \\[.*1-spearman\\]")),
            DELETION_ZERO, List.of(Pattern.compile("Deletion-zero( \\[.*\\])?")),
            INSERTION_ZERO, List.of(Pattern.compile("Insertion-zero( \\[.*\\])?")),
            ROBUSTNESS_SR, List.of(Pattern.compile("Robustness-SR( \\[.*\\])?")),
            JPEG_KB, List.of(Pattern.compile("JPEG kB( \\[.*\\])?")));

    /** Table 1's last row: explain-core stores the distances as a pseudo-method, one column per variant. */
    static final String DISTANCE_METHOD = Evaluation.SALIENCY_VS_SMOOTHGRAD;

    /** Xplique's 'l2' of 2022–2023: squared L2 without a root (the other variants are in report.json). */
    static final String DISTANCE_METRIC = "Saliency–SmoothGrad distance [l2-squared]";

    private static final List<ModelRole> OTNNS = List.of(ModelRole.DENSE_OTNN, ModelRole.CNN_OTNN);
    private static final List<ModelRole> BASELINES = List.of(ModelRole.DENSE_BASELINE, ModelRole.CNN_BASELINE);

    private final Measurements m;

    public PaperTables(Measurements measurements) {
        this.m = measurements;
    }

    /** Every table, in the order of {@code PaperValues.ALL}. */
    public List<ComparisonTable> all() {
        return List.of(table1(), table6(), table8(), table9(), table10(), table11());
    }

    public ComparisonTable table1() {
        List<Row> rows = new ArrayList<>();
        for (PaperTable.Row r : TABLE_1.rows()) {
            List<Cell> cells = new ArrayList<>();
            cells.add(Cell.paper(r.cells().get(0)));
            for (ModelRole role : OTNNS) cells.add(metric(role, r.section(), r.label()));
            cells.add(Cell.paper(r.cells().get(1)));
            for (ModelRole role : BASELINES) cells.add(metric(role, r.section(), r.label()));
            rows.add(new Row(r.section(), r.label(), cells));
        }
        return new ComparisonTable(
                TABLE_1.id(),
                TABLE_1.title(),
                List.of(
                        "paper OTNN",
                        "ours dense OTNN",
                        "ours cnn OTNN",
                        "paper Uncst.",
                        "ours dense Uncst.",
                        "ours cnn Uncst."),
                rows,
                List.of(
                        "Ours: explain-core's definitions as `otnn evaluate` computes them (see explain-core's README,"
                                + " Metrics), on the first " + evaluatedImages() + " test images, explanations of"
                                + " the predicted class.",
                        "The distance row is the squared L2 distance between Saliency and |SmoothGrad| without a"
                                + " root, as Xplique's 'l2' was in 2022–2023, on the maps as they are; the paper does"
                                + " not say how it scales them: the other variants (max-normalised, unit-norm, L2,"
                                + " 1 − ρ) are in report.json and evaluations/."));
    }

    public ComparisonTable table6() {
        List<Row> rows = new ArrayList<>();
        rows.add(accuracyRow(TABLE_6_UNCONSTRAINED, ModelRole.DENSE_BASELINE, ModelRole.CNN_BASELINE));
        rows.add(accuracyRow(TABLE_6_EQ4, ModelRole.DENSE_EQ4, ModelRole.CNN_EQ4));
        rows.add(accuracyRow(TABLE_6_EQ5, ModelRole.DENSE_OTNN, ModelRole.CNN_OTNN));
        List<String> notes = new ArrayList<>();
        notes.add("Ours: test accuracy (%) of the trainer's evaluation of each checkpoint; when this run trains both,"
                + " the Eq. 4 and Eq. 5 networks of one column have the same preset, width, epochs, data and seed (a"
                + " reused checkpoint keeps its own training: the lines below give each one's). The paper's figures are"
                + " for its cnn after 200 epochs with λ = 10; ours use the trainer's Fashion-MNIST loss parameters"
                + " (paper A.2.3: λ = 5, m = 0.5, α = 10) for both losses.");
        for (ModelRole role : List.of(
                ModelRole.DENSE_OTNN,
                ModelRole.DENSE_EQ4,
                ModelRole.DENSE_BASELINE,
                ModelRole.CNN_OTNN,
                ModelRole.CNN_EQ4,
                ModelRole.CNN_BASELINE)) {
            ModelRun run = m.runs().get(role);
            if (run != null) {
                notes.add(String.format(
                        Locale.ROOT,
                        "%s: %d epoch%s on %d images, tested on %d",
                        role.cliName(),
                        run.epochs(),
                        run.epochs() == 1 ? "" : "s",
                        run.trainImages(),
                        run.testImages()));
            }
        }
        return new ComparisonTable(
                TABLE_6.id(), TABLE_6.title(), List.of("paper", "ours dense", "ours cnn"), rows, notes);
    }

    public ComparisonTable table8() {
        return methodTable(
                TABLE_8,
                List.of(DELETION_ZERO, INSERTION_ZERO),
                List.of(
                        "Ours: explain-core's Deletion/Insertion with the zero baseline: pixels ranked by the"
                                + " attribution, the logit of the predicted class with the top 0, 10, …, 100 % set"
                                + " to 0 (deletion) or restored onto 0 (insertion), trapezoidal mean. The paper's"
                                + " scale (Xplique's, on its own networks' scores) differs, so compare the ranks.",
                        "Saliency rank: among the methods measured in that row (the paper ranks six)."));
    }

    public ComparisonTable table9() {
        return methodTable(TABLE_9, List.of(ROBUSTNESS_SR), List.of());
    }

    public ComparisonTable table10() {
        List<Row> rows = new ArrayList<>();
        rows.add(jpegRow(OTNN, 0, OTNNS));
        rows.add(jpegRow(UNCONSTRAINED, 1, BASELINES));
        return new ComparisonTable(
                TABLE_10.id(),
                TABLE_10.title(),
                List.of("paper (kB)", "ours dense (kB)", "ours cnn (kB)"),
                rows,
                List.of("Ours: mean size of the Saliency map (|∇f|, scaled to its max, 8-bit gray 28×28) as a JPEG at"
                        + " ImageIO's default quality 0.75, in kB of 1,000 bytes."));
    }

    public ComparisonTable table11() {
        List<Row> rows = new ArrayList<>();
        for (PaperTable.Row r : TABLE_11.rows()) {
            List<Cell> cells = new ArrayList<>();
            for (String text : r.cells()) cells.add(Cell.paper(text));
            rows.add(new Row("paper", r.label(), cells));
        }
        rows.add(new Row("ours", "OTNN (dense, Saliency)", nullBlockRow(m.blockMnist(), ModelRole.BLOCK_MNIST)));
        rows.add(new Row(
                "ours",
                "Unconstrained (dense, Saliency)",
                nullBlockRow(m.blockMnistBaseline(), ModelRole.BLOCK_MNIST_BASELINE)));
        return new ComparisonTable(
                TABLE_11.id(),
                TABLE_11.title(),
                TABLE_11_K.stream().map(k -> "k = " + k + " %").toList(),
                rows,
                List.of("Ours: explain-core's null-block fraction of |∇f| (the top k % pixels), mean over the first "
                        + m.blockImages()
                        + " BlockMNIST test images built from MNIST's test 0s and 1s."));
    }

    private ComparisonTable methodTable(PaperTable paper, List<String> sections, List<String> extraNotes) {
        List<Row> rows = new ArrayList<>();
        for (String section : sections) {
            for (String network : List.of(OTNN, UNCONSTRAINED)) {
                List<Cell> cells = new ArrayList<>();
                for (String method : paper.columns()) cells.add(Cell.paper(paper.cell(section, network, method)));
                cells.add(Cell.paper(saliencyRank(section, network)));
                rows.add(new Row(section, network + " (paper)", cells));
                for (ModelRole role : network.equals(OTNN) ? OTNNS : BASELINES) {
                    List<Cell> ours = new ArrayList<>();
                    for (String method : paper.columns()) ours.add(metric(role, section, method));
                    ours.add(rank(ours, paper.columns().indexOf(SALIENCY), !section.equals(INSERTION_ZERO)));
                    rows.add(new Row(section, network + " (ours, " + role.architecture() + ")", ours));
                }
            }
        }
        List<String> columns = new ArrayList<>(paper.columns());
        columns.add("Saliency rank");
        return new ComparisonTable(paper.id(), paper.title(), columns, rows, extraNotes);
    }

    /** Saliency's rank among the measured cells of the row; lower is better unless {@code lowerIsBetter} is false. */
    static Cell rank(List<Cell> row, int saliency, boolean lowerIsBetter) {
        Cell s = row.get(saliency);
        if (s.source() != ComparisonTable.Source.OURS) return Cell.notMeasured("no Saliency figure to rank");
        int rank = 1, measured = 0;
        for (Cell c : row) {
            if (c.source() != ComparisonTable.Source.OURS) continue;
            measured++;
            if (lowerIsBetter ? c.value() < s.value() : c.value() > s.value()) rank++;
        }
        return Cell.ours(rank, "Rk" + rank + " of " + measured);
    }

    private Row accuracyRow(String label, ModelRole dense, ModelRole cnn) {
        PaperTable.Row paper = null;
        for (PaperTable.Row r : TABLE_6.rows()) if (r.label().equals(label)) paper = r;
        List<Cell> cells = new ArrayList<>();
        cells.add(Cell.paper(paper.cells().get(0)));
        for (ModelRole role : List.of(dense, cnn)) {
            ModelRun run = m.runs().get(role);
            cells.add(
                    run == null || Double.isNaN(run.testAccuracy())
                            ? Cell.notMeasured(reason(role))
                            : Cell.ours(
                                    100 * run.testAccuracy(),
                                    String.format(Locale.ROOT, "%.1f", 100 * run.testAccuracy())));
        }
        return new Row("", label, cells);
    }

    private Row jpegRow(String network, int paperRow, List<ModelRole> roles) {
        List<Cell> cells = new ArrayList<>();
        cells.add(Cell.paper(TABLE_10.rows().get(paperRow).cells().get(0)));
        for (ModelRole role : roles) {
            Cell kb = metric(role, JPEG_KB, SALIENCY);
            cells.add(
                    kb.source() == ComparisonTable.Source.OURS
                            ? Cell.ours(kb.value(), String.format(Locale.ROOT, "%.3f", kb.value()))
                            : kb);
        }
        return new Row("", network, cells);
    }

    /** Our value of the paper's (section, method) for a role's network. */
    Cell metric(ModelRole role, String section, String method) {
        EvaluationTable t = m.metrics().get(role);
        if (t == null) return Cell.notMeasured(reason(role));
        if (section.equals(DISTANCE)) return value(t, DISTANCE_METHOD, DISTANCE_METRIC, ComparisonTable::format);
        if (method.equals(GRADCAM) && role.architecture().equals("dense")) {
            return Cell.notMeasured("Grad-CAM needs a convolutional layer; the dense network has none");
        }
        List<String> methods = METHODS.get(method);
        List<String> metrics = columns(t, section);
        String model = t.models().isEmpty() ? "" : t.models().get(0);
        for (String me : methods) {
            String unavailable = t.unavailableReason(model, me);
            if (unavailable != null) return Cell.notMeasured(unavailable);
            for (String mt : metrics) {
                double v = t.get(model, me, mt);
                if (!Double.isNaN(v)) return Cell.ours(v);
            }
        }
        boolean methodKnown = methods.stream().anyMatch(me -> hasMethod(t, model, me));
        boolean metricKnown = metrics.stream().anyMatch(mt -> hasMetric(t, model, mt));
        if (!methodKnown) return Cell.notMeasured("explain-core has no " + method + " attribution method yet");
        if (!metricKnown) return Cell.notMeasured("explain-core has no " + section + " metric yet");
        return Cell.notMeasured("explain-core gives no " + section + " for " + method);
    }

    /** Table 11's cells of one BlockMNIST network: the null-block fraction of its Saliency at each k. */
    private List<Cell> nullBlockRow(EvaluationTable table, ModelRole role) {
        List<Cell> cells = new ArrayList<>();
        for (double k : Evaluation.NULL_BLOCK_PERCENTS) {
            cells.add(
                    table == null
                            ? Cell.notMeasured(reason(role))
                            : value(table, "Saliency", "null@" + k + "%", v -> String.format(Locale.ROOT, "%.1f", v)));
        }
        return cells;
    }

    private static Cell value(
            EvaluationTable t, String method, String metric, java.util.function.DoubleFunction<String> format) {
        String model = t.models().isEmpty() ? "" : t.models().get(0);
        double v = t.get(model, method, metric);
        return Double.isNaN(v)
                ? Cell.notMeasured("explain-core gives no " + metric + " for " + method)
                : Cell.ours(v, format.apply(v));
    }

    /** The table's columns that measure {@code section}, in the order of {@link #METRICS}' patterns. */
    private static List<String> columns(EvaluationTable t, String section) {
        List<String> out = new ArrayList<>();
        for (Pattern pattern : METRICS.get(section)) {
            for (String column : t.metrics()) {
                if (pattern.matcher(column).matches() && !out.contains(column)) out.add(column);
            }
        }
        return out;
    }

    private static boolean hasMethod(EvaluationTable t, String model, String method) {
        for (String metric : t.metrics()) if (!Double.isNaN(t.get(model, method, metric))) return true;
        return false;
    }

    private static boolean hasMetric(EvaluationTable t, String model, String metric) {
        for (List<String> names : METHODS.values()) {
            for (String method : names) if (!Double.isNaN(t.get(model, method, metric))) return true;
        }
        return false;
    }

    private int evaluatedImages() {
        return m.n();
    }

    private String reason(ModelRole role) {
        String why = m.skipped().get(role);
        return why != null ? why : "no " + role.cliName() + " network in this run";
    }
}
