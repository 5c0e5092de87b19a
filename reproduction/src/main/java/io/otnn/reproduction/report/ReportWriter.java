package io.otnn.reproduction.report;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.otnn.reproduction.ReproductionConfig;
import io.otnn.reproduction.models.ModelRole;
import io.otnn.reproduction.models.ModelRun;
import io.otnn.reproduction.tables.ComparisonTable;
import io.otnn.reproduction.tables.ComparisonTable.Cell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes a {@link ReproductionReport} as {@code report.md} (for people) and {@code report.json} (every figure). */
public final class ReportWriter {

    /** The paper's Fashion-MNIST training (A.2.3): what "reduced" is measured against. */
    public static final int PAPER_EPOCHS = 200;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportWriter() {}

    public static void write(ReproductionReport report, Path out) throws IOException {
        Files.createDirectories(out);
        Files.writeString(out.resolve(ReproductionReport.REPORT), markdown(report));
        Files.writeString(out.resolve(ReproductionReport.JSON), JSON.writeValueAsString(json(report)));
    }

    public static String markdown(ReproductionReport r) {
        ReproductionConfig c = r.config();
        StringBuilder md = new StringBuilder();
        md.append("# Paper reproduction report\n\n");
        md.append("Serrurier et al., *On the explainable properties of 1-Lipschitz Neural Networks: An Optimal"
                + " Transport Perspective* (NeurIPS 2023): its Fashion-MNIST tables (1, 6, 8, 9, 10, 11) with our"
                + " figures beside the paper's, and Figures 2 and 7 redrawn from our networks.\n\n");
        md.append(String.format(
                Locale.ROOT,
                "> **A reduced run.** %d epoch(s) per Fashion-MNIST network (the paper: %d), %s training images,"
                        + " metrics on %d test images (the paper: 1,000)%s. Differences in the figures below come first"
                        + " from that; a cell reads *not measured* where this product has no such measurement yet,"
                        + " and no figure is filled in for it.\n\n",
                c.epochs(),
                PAPER_EPOCHS,
                c.limit() == Integer.MAX_VALUE ? "all" : String.format(Locale.ROOT, "%,d", c.limit()),
                c.n(),
                c.quick() ? ", `--quick`" : ""));

        md.append("## Run\n\n| | |\n| --- | --- |\n");
        row(md, "command", "`" + (c.commandLine().isBlank() ? "otnn reproduce" : c.commandLine()) + "`");
        row(md, "started (UTC)", r.started().truncatedTo(ChronoUnit.SECONDS).toString());
        row(md, "finished (UTC)", r.finished().truncatedTo(ChronoUnit.SECONDS).toString());
        row(md, "wall time", String.format(Locale.ROOT, "%.0f s", r.seconds()));
        row(md, "seed", c.seed() + " (every training, split, shuffle and metric draw)");
        row(md, "data", "`" + c.dataDir() + "` (fashion-mnist/" + (c.hasMnist() ? ", mnist/" : "") + ")");
        row(
                md,
                "options",
                String.format(
                        Locale.ROOT,
                        "epochs %d, training images %s, trainer test images %s, metric images %d, cnn width %s,"
                                + " Eq. 4 twin for %s",
                        c.epochs(),
                        c.limit() == Integer.MAX_VALUE ? "all" : Integer.toString(c.limit()),
                        c.testLimit() == Integer.MAX_VALUE ? "all" : Integer.toString(c.testLimit()),
                        c.n(),
                        c.width() == null ? "trainer default" : c.width().toString(),
                        c.eq4().isEmpty() ? "none" : String.join(", ", c.eq4())));
        r.machine().forEach((k, v) -> row(md, "machine: " + k, v));
        row(
                md,
                "load average (1 min), start → end",
                String.format(Locale.ROOT, "%.1f → %.1f", r.loadAtStart(), r.loadAtEnd()));
        md.append('\n');

        md.append("## Networks\n\n");
        md.append("| role | source | epochs | train images | test images | test accuracy | ‖∇f‖ min / mean / max |"
                + " s/epoch | training s |\n");
        md.append("| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |\n");
        for (ModelRole role : ModelRole.values()) {
            ModelRun run = r.runs().get(role);
            if (run == null) {
                md.append("| ")
                        .append(role.cliName())
                        .append(" | not run: ")
                        .append(r.skipped().getOrDefault(role, ""))
                        .append(" | | | | | | | |\n");
                continue;
            }
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %d | %d | %d | %.2f %% | %.3f / %.3f / %.3f | %s | %s |\n",
                    role.cliName(),
                    run.trained() ? "trained" : "reused `" + run.checkpoint() + "`",
                    run.epochs(),
                    run.trainImages(),
                    run.testImages(),
                    100 * run.testAccuracy(),
                    run.gradientNorm()[0],
                    run.gradientNorm()[1],
                    run.gradientNorm()[2],
                    Double.isNaN(run.secondsPerEpoch())
                            ? "–"
                            : String.format(Locale.ROOT, "%.1f", run.secondsPerEpoch()),
                    run.trained() ? String.format(Locale.ROOT, "%.0f", run.trainSeconds()) : "–"));
        }
        md.append("\nEach step alone (the checkpoints are in `models/`, the full metric tables in `evaluations/`):\n\n"
                + "```bash\n");
        for (String command : r.commands()) md.append(command).append('\n');
        md.append("```\n\n");

        for (ComparisonTable t : r.tables()) table(md, t);

        md.append("## Figure 2: Koch snowflakes (Prop. 2)\n\n");
        if (r.koch() == null) {
            md.append("Not drawn: ")
                    .append(r.skipped().getOrDefault(ModelRole.KOCH, ""))
                    .append("\n\n");
        } else {
            md.append("![Koch snowflakes](" + ReproductionReport.KOCH_PNG + ")\n\n");
            md.append(String.format(
                    Locale.ROOT,
                    "The binary dense OTNN (`koch`) on two concentric Koch snowflakes; for %d test points x (half of"
                            + " each class) the segment to x_δ = x − f(x)∇f(x). Prop. 2: x_δ lies on the boundary."
                            + " Measured |f(x_δ)|: mean %.4f, max %.4f (f itself spans about ±%.1f on the"
                            + " plot); %.1f %% of these points are on their class's side.\n\n",
                    r.koch().segments().size(),
                    r.koch().meanResidual(),
                    r.koch().maxResidual(),
                    maxAbsF(r),
                    100 * r.koch().accuracy()));
        }
        md.append("## Figure 7: BlockMNIST samples and their gradients\n\n");
        if (r.blockMnist() == null) {
            md.append("Not drawn: ")
                    .append(r.skipped().getOrDefault(ModelRole.BLOCK_MNIST, ""))
                    .append("\n\n");
        } else {
            md.append("![BlockMNIST](" + ReproductionReport.BLOCK_MNIST_PNG + ")\n\n");
            md.append(String.format(
                    Locale.ROOT,
                    "%d BlockMNIST test images (top) and |∇f| of the binary dense OTNN (`block-mnist`, bottom, each"
                            + " scaled to its own maximum). Share of the gradient's L1 mass in the null block: %.1f %%"
                            + " (0 %% would be a gradient entirely on the digit); %d of %d classified correctly.\n\n",
                    r.blockMnist().images(),
                    100 * r.blockMnist().nullBlockShare(),
                    Math.round(r.blockMnist().accuracy() * r.blockMnist().images()),
                    r.blockMnist().images()));
        }
        md.append("## Times\n\n| step | s |\n| --- | ---: |\n");
        r.steps().forEach((k, v) -> md.append(String.format(Locale.ROOT, "| %s | %.1f |\n", k, v)));
        md.append(String.format(Locale.ROOT, "| total | %.1f |\n", r.seconds()));
        return md.toString();
    }

    private static double maxAbsF(ReproductionReport r) {
        double max = 0;
        for (var s : r.koch().segments()) max = Math.max(max, Math.abs(s.fx()));
        return max;
    }

    private static void table(StringBuilder md, ComparisonTable t) {
        md.append("## Table ").append(t.id()).append(": ").append(t.title()).append("\n\n");
        boolean sections = t.rows().stream().anyMatch(row -> !row.section().isEmpty());
        md.append(sections ? "| | |" : "| |");
        for (String col : t.columns()) md.append(' ').append(col).append(" |");
        md.append('\n').append(sections ? "| --- | --- |" : "| --- |");
        md.append(" ---: |".repeat(t.columns().size())).append('\n');
        List<String> reasons = new ArrayList<>();
        String previous = null;
        for (ComparisonTable.Row row : t.rows()) {
            md.append("| ");
            if (sections) {
                md.append(row.section().equals(previous) ? "" : row.section()).append(" | ");
                previous = row.section();
            }
            md.append(row.label()).append(" |");
            for (Cell cell : row.cells()) {
                md.append(' ');
                switch (cell.source()) {
                    case PAPER -> md.append(cell.text());
                    case OURS -> md.append("**").append(cell.text()).append("**");
                    case NOT_MEASURED -> {
                        int i = reasons.indexOf(cell.reason());
                        if (i < 0) {
                            reasons.add(cell.reason());
                            i = reasons.size() - 1;
                        }
                        md.append("not measured (")
                                .append((char) ('a' + Math.min(i, 25)))
                                .append(')');
                    }
                }
                md.append(" |");
            }
            md.append('\n');
        }
        md.append("\nPaper values as printed; ours in **bold**.\n");
        for (String note : t.notes()) md.append("- ").append(note).append('\n');
        for (int i = 0; i < reasons.size(); i++) {
            md.append("- (")
                    .append((char) ('a' + Math.min(i, 25)))
                    .append(") not measured: ")
                    .append(reasons.get(i))
                    .append('\n');
        }
        md.append('\n');
    }

    private static void row(StringBuilder md, String key, String value) {
        md.append("| ")
                .append(key)
                .append(" | ")
                .append(value.replace("|", "\\|"))
                .append(" |\n");
    }

    static ObjectNode json(ReproductionReport r) throws IOException {
        ReproductionConfig c = r.config();
        ObjectNode root = JSON.createObjectNode();
        ObjectNode run = root.putObject("run");
        run.put("command", c.commandLine());
        run.put("started", r.started().toString());
        run.put("finished", r.finished().toString());
        run.put("seconds", r.seconds());
        run.put("seed", c.seed());
        run.put("dataDir", c.dataDir().toString());
        run.put("quick", c.quick());
        run.put("epochs", c.epochs());
        run.put("trainingImages", c.limit() == Integer.MAX_VALUE ? -1 : c.limit());
        run.put("trainerTestImages", c.testLimit() == Integer.MAX_VALUE ? -1 : c.testLimit());
        run.put("metricImages", c.n());
        if (c.width() != null) run.put("cnnWidth", c.width());
        else run.putNull("cnnWidth");
        number(run, "loadAtStart", r.loadAtStart());
        number(run, "loadAtEnd", r.loadAtEnd());
        ObjectNode machine = root.putObject("machine");
        r.machine().forEach(machine::put);
        ObjectNode models = root.putObject("models");
        for (Map.Entry<ModelRole, ModelRun> e : r.runs().entrySet()) {
            ModelRun m = e.getValue();
            ObjectNode o = models.putObject(e.getKey().cliName());
            o.put("checkpoint", m.checkpoint().toString());
            o.put("trained", m.trained());
            o.put("command", m.command());
            o.put("epochs", m.epochs());
            o.put("trainImages", m.trainImages());
            o.put("testImages", m.testImages());
            number(o, "testAccuracy", m.testAccuracy());
            ArrayNode g = o.putArray("gradientNorm");
            for (double v : m.gradientNorm())
                g.add(Double.isFinite(v) ? JSON.getNodeFactory().numberNode(v) : null);
            number(o, "boundaryResidual", m.boundaryResidual());
            number(o, "secondsPerEpoch", m.secondsPerEpoch());
            number(o, "trainSeconds", m.trainSeconds());
        }
        ObjectNode skipped = root.putObject("skipped");
        r.skipped().forEach((role, why) -> skipped.put(role.cliName(), why));
        ArrayNode tables = root.putArray("tables");
        for (ComparisonTable t : r.tables()) {
            ObjectNode o = tables.addObject();
            o.put("id", t.id());
            o.put("title", t.title());
            ArrayNode cols = o.putArray("columns");
            t.columns().forEach(cols::add);
            ArrayNode rows = o.putArray("rows");
            for (ComparisonTable.Row row : t.rows()) {
                ObjectNode ro = rows.addObject();
                ro.put("section", row.section());
                ro.put("label", row.label());
                ArrayNode cells = ro.putArray("cells");
                for (Cell cell : row.cells()) {
                    ObjectNode co = cells.addObject();
                    co.put("source", cell.source().name().toLowerCase(Locale.ROOT));
                    co.put("text", cell.text());
                    number(co, "value", cell.value());
                    if (cell.reason() != null) co.put("reason", cell.reason());
                }
            }
            ArrayNode notes = o.putArray("notes");
            t.notes().forEach(notes::add);
        }
        if (r.koch() != null) {
            ObjectNode k = root.putObject("koch");
            k.put("png", ReproductionReport.KOCH_PNG);
            k.put("segments", r.koch().segments().size());
            k.put("meanResidual", r.koch().meanResidual());
            k.put("maxResidual", r.koch().maxResidual());
            k.put("accuracy", r.koch().accuracy());
        }
        if (r.blockMnist() != null) {
            ObjectNode b = root.putObject("blockMnist");
            b.put("png", ReproductionReport.BLOCK_MNIST_PNG);
            b.put("images", r.blockMnist().images());
            b.put("nullBlockShare", r.blockMnist().nullBlockShare());
            b.put("accuracy", r.blockMnist().accuracy());
        }
        ObjectNode evaluations = root.putObject("evaluations");
        for (var e : r.evaluations().entrySet()) {
            evaluations.set(
                    e.getKey().cliName(), finite(LENIENT.readTree(e.getValue().toJson())));
        }
        ObjectNode steps = root.putObject("steps");
        Map<String, Double> ordered = new LinkedHashMap<>(r.steps());
        ordered.forEach(steps::put);
        ArrayNode commands = root.putArray("commands");
        r.commands().forEach(commands::add);
        return root;
    }

    /** explain-core's table may hold NaN (a metric that does not apply): JSON has no NaN, so it becomes null. */
    private static final ObjectMapper LENIENT = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    static JsonNode finite(JsonNode node) {
        if (node.isObject()) {
            ObjectNode o = (ObjectNode) node;
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String name : names) o.set(name, finite(o.get(name)));
            return o;
        }
        if (node.isArray()) {
            ArrayNode a = (ArrayNode) node;
            for (int i = 0; i < a.size(); i++) a.set(i, finite(a.get(i)));
            return a;
        }
        if (node.isNumber() && !Double.isFinite(node.asDouble())) return NullNode.getInstance();
        return node;
    }

    private static void number(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) o.put(field, v);
        else o.putNull(field);
    }
}
