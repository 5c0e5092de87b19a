package io.otnn.reproduction;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.otnn.explain.metrics.Evaluation;
import io.otnn.reproduction.models.ModelRole;
import io.otnn.reproduction.paper.PaperTable;
import io.otnn.reproduction.paper.PaperValues;
import io.otnn.reproduction.report.ReproductionReport;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code --quick} run end to end on the committed fixtures, trimmed further (1 epoch on 500 images, metrics on 4):
 * every network is trained for real with TensorFlow, measured with explain-core, and the report written. One run
 * serves every test of the class. Tagged slow (four to five minutes on the 2-core machine): {@code -Pslow} runs it.
 */
@Tag("slow")
class QuickReproductionTest {

    @TempDir
    static Path tmp;

    static ReproductionReport report;
    static String markdown;
    static JsonNode json;

    @BeforeAll
    static void runOnce() throws Exception {
        Path data = TestData.dataDir(tmp.resolve("data"));
        ReproductionConfig config = ReproductionConfig.builder()
                .setDataDir(data)
                .setOut(tmp.resolve("out"))
                .optQuick(true)
                .optLimit(500)
                .optTestLimit(200)
                .optN(4)
                .optCommandLine("otnn reproduce --quick --limit 500 --test-limit 200 --n 4")
                .build();
        report = new Reproduction(config, null).run();
        markdown = Files.readString(tmp.resolve("out").resolve(ReproductionReport.REPORT));
        json = new ObjectMapper()
                .readTree(tmp.resolve("out").resolve(ReproductionReport.JSON).toFile());
    }

    @Test
    void shouldTrainEveryNetworkWhenRunQuickOnTheFixtures() {
        assertThat(report.runs().keySet())
                .containsExactlyInAnyOrder(
                        ModelRole.DENSE_OTNN,
                        ModelRole.DENSE_BASELINE,
                        ModelRole.CNN_OTNN,
                        ModelRole.CNN_BASELINE,
                        ModelRole.DENSE_EQ4,
                        ModelRole.KOCH,
                        ModelRole.BLOCK_MNIST,
                        ModelRole.BLOCK_MNIST_BASELINE);
        assertThat(report.runs().values())
                .allSatisfy(r -> assertThat(r.trained()).isTrue());
        // the OTNNs are 1-Lipschitz: no test image has a gradient norm above 1 (Björck's residual aside)
        assertThat(report.runs().get(ModelRole.DENSE_OTNN).gradientNorm()[2]).isLessThanOrEqualTo(1.001);
        assertThat(report.evaluations())
                .containsOnlyKeys(
                        ModelRole.DENSE_OTNN, ModelRole.DENSE_BASELINE, ModelRole.CNN_OTNN, ModelRole.CNN_BASELINE);
    }

    @Test
    void shouldPrintEveryPaperTableWithThePapersValuesWhenTheReportIsWritten() {
        for (PaperTable t : PaperValues.ALL) {
            assertThat(markdown).contains("## Table " + t.id() + ": " + t.title());
            for (PaperTable.Row row : t.rows()) {
                for (String cell : row.cells()) assertThat(markdown).contains("| " + cell + " |");
            }
        }
        // a row of Table 1 as a whole: the paper's Fashion-MNIST OTNN Saliency µFidelity-uniform beside ours
        assertThat(markdown)
                .containsPattern(
                        "\\| µFidelity-Uniform \\(↑\\) \\| Saliency \\| 0\\.156 \\| \\*\\*-?[0-9.e-]+\\*\\* \\|");
        assertThat(markdown).contains("|  | OTNN | < 1 | < 1 | 1.8 | 6.6 | 16.8 | 26.0 | 32.9 |");
    }

    @Test
    void shouldFillRobustnessSrAndGiveAReasonForEveryCellNotMeasuredWhenTheReportIsWritten() {
        JsonNode table9 = table("9");
        int ours = 0;
        for (JsonNode row : table9.get("rows")) {
            if (!row.get("label").asText().contains("(ours")) continue;
            for (JsonNode cell : row.get("cells")) {
                if (cell.get("source").asText().equals("ours")) {
                    ours++;
                    assertThat(cell.get("value").asDouble()).isPositive().isFinite();
                } else {
                    assertThat(cell.get("source").asText()).isEqualTo("not_measured");
                    assertThat(cell.get("value").isNull()).isTrue();
                }
            }
        }
        assertThat(ours).as("Robustness-SR cells measured by explain-core").isPositive();
        assertThat(markdown).contains("Grad-CAM needs a convolutional layer");
    }

    @Test
    void shouldFillTheRiseColumnOfTables8And9WhenExplainCoreMeasuresRise() {
        for (String id : List.of("8", "9")) {
            JsonNode table = table(id);
            int rise = -1;
            for (int c = 0; c < table.get("columns").size(); c++) {
                if (table.get("columns").get(c).asText().equals(PaperValues.RISE)) rise = c;
            }
            assertThat(rise).as("table %s has a Rise column", id).isNotNegative();
            int measured = 0;
            for (JsonNode row : table.get("rows")) {
                if (!row.get("label").asText().contains("(ours")) continue;
                JsonNode cell = row.get("cells").get(rise);
                assertThat(cell.get("source").asText())
                        .as("table %s, %s", id, row.get("label"))
                        .isEqualTo("ours");
                assertThat(cell.get("value").asDouble()).isFinite();
                measured++;
            }
            assertThat(measured).as("table %s: our rows", id).isPositive();
        }
        assertThat(markdown).doesNotContain("no Rise attribution method");
    }

    @Test
    void shouldCarryTheSameFiguresInJsonAndMarkdownWhenBothAreWritten() {
        JsonNode table1 = table("1");
        JsonNode saliencyUniform = table1.get("rows").get(0);
        assertThat(saliencyUniform.get("label").asText()).isEqualTo("Saliency");
        JsonNode ours = saliencyUniform.get("cells").get(1);
        assertThat(ours.get("source").asText()).isEqualTo("ours");
        double fromEvaluation = report.evaluations()
                .get(ModelRole.DENSE_OTNN)
                .get(
                        "reproduce-dense-otnn",
                        "Saliency",
                        Evaluation.Metric.MU_FIDELITY_UNIFORM.column(Evaluation.Options.paperDefaults(42)));
        assertThat(ours.get("value").asDouble()).isEqualTo(fromEvaluation);
        assertThat(markdown).contains("**" + ours.get("text").asText() + "**");
        double accuracy = report.runs().get(ModelRole.DENSE_EQ4).testAccuracy();
        assertThat(table("6")
                        .get("rows")
                        .get(1)
                        .get("cells")
                        .get(1)
                        .get("value")
                        .asDouble())
                .isEqualTo(100 * accuracy);
        assertThat(json.get("machine").get("cores").asInt())
                .isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(json.get("run").get("seed").asLong()).isEqualTo(42);
        assertThat(markdown).contains("otnn train --data fashion-mnist").contains("otnn evaluate --model");
    }

    @Test
    void shouldMeasureBothRowsOfTable11WhenBlockMnistAndItsTwinAreTrained() {
        JsonNode rows = table("11").get("rows");
        int measured = 0;
        for (JsonNode row : rows) {
            if (!row.get("label").asText().endsWith("(dense, Saliency)")) continue;
            for (JsonNode cell : row.get("cells")) {
                assertThat(cell.get("source").asText()).isEqualTo("ours");
                assertThat(cell.get("value").asDouble()).isBetween(0.0, 100.0);
                measured++;
            }
        }
        assertThat(measured)
                .as("the OTNN's and the unconstrained twin's 7 cells")
                .isEqualTo(14);
        assertThat(report.runs().get(ModelRole.BLOCK_MNIST_BASELINE).command()).contains("--loss cross-entropy");
    }

    @Test
    void shouldWriteBothFiguresAsPngsWhenTheirNetworksAreTrained() throws Exception {
        BufferedImage koch = ImageIO.read(
                tmp.resolve("out").resolve(ReproductionReport.KOCH_PNG).toFile());
        assertThat(koch.getWidth()).isGreaterThan(koch.getHeight());
        BufferedImage block = ImageIO.read(
                tmp.resolve("out").resolve(ReproductionReport.BLOCK_MNIST_PNG).toFile());
        assertThat(block.getHeight()).isGreaterThan(2 * 56);
        assertThat(markdown)
                .contains("![Koch snowflakes](koch-snowflakes.png)")
                .contains("![BlockMNIST](block-mnist.png)");
        assertThat(report.blockMnist().images()).isEqualTo(Reproduction.BLOCK_MNIST_IMAGES);
    }

    @Test
    void shouldReuseTheCheckpointsWithoutTrainingWhenGivenAnEarlierRunsModels() throws Exception {
        Path models = tmp.resolve("out").resolve("models");
        // a tampered copy of the baseline: refused by its manifest, it costs its cells and nothing else
        Path tampered = tmp.resolve("tampered");
        try (var files = Files.walk(models.resolve("dense-baseline"))) {
            for (Path f : files.toList()) {
                Path to = tampered.resolve(
                        models.resolve("dense-baseline").relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(to);
                else Files.copy(f, to);
            }
        }
        Path metadata = tampered.resolve("otnn-model.json");
        Files.writeString(metadata, Files.readString(metadata).replace("\"reproduce-dense-baseline\"", "\"renamed\""));
        ReproductionConfig again = ReproductionConfig.builder()
                .setDataDir(report.config().dataDir())
                .setOut(tmp.resolve("again"))
                .optQuick(true)
                .optN(2)
                .optModelsDir(models)
                .optModel("koch=" + models.resolve("koch"))
                .optModel("dense-baseline=" + tampered)
                .optSkip("cnn-otnn")
                .optSkip("cnn-baseline")
                .build();
        ReproductionReport second = new Reproduction(again, null).run();
        assertThat(second.runs().keySet())
                .containsExactlyInAnyOrder(
                        ModelRole.DENSE_OTNN,
                        ModelRole.DENSE_EQ4,
                        ModelRole.KOCH,
                        ModelRole.BLOCK_MNIST,
                        ModelRole.BLOCK_MNIST_BASELINE);
        assertThat(second.skipped().get(ModelRole.DENSE_BASELINE)).startsWith("its training or loading failed: ");
        assertThat(second.runs().values()).allSatisfy(r -> {
            assertThat(r.trained()).isFalse();
            assertThat(r.checkpoint()).startsWith(models);
            assertThat(r.testAccuracy()).isEqualTo(report.runs().get(r.role()).testAccuracy());
            assertThat(r.epochs()).isEqualTo(report.runs().get(r.role()).epochs());
        });
        assertThat(tmp.resolve("again").resolve("models")).doesNotExist();
        assertThat(second.skipped().get(ModelRole.CNN_OTNN)).isEqualTo("skipped with --skip cnn-otnn");
        String md = Files.readString(tmp.resolve("again").resolve(ReproductionReport.REPORT));
        assertThat(md).contains("| dense-otnn | reused `" + models.resolve("dense-otnn") + "`");
        assertThat(md).contains("not measured: skipped with --skip cnn-otnn");
        assertThat(md).contains("not measured: its training or loading failed: ");
        // the same network and seed give the same Koch figure
        assertThat(second.koch().meanResidual()).isEqualTo(report.koch().meanResidual());
    }

    private static JsonNode table(String id) {
        for (JsonNode t : json.get("tables")) if (t.get("id").asText().equals(id)) return t;
        throw new AssertionError("no table " + id + " in report.json");
    }
}
