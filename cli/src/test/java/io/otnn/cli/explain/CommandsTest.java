package io.otnn.cli.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.otnn.explain.render.PanelLayout;
import io.otnn.explain.testing.Fixtures;
import io.otnn.ingest.testing.IdxFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CommandsTest {

    @TempDir
    Path tmp;

    @Test
    void shouldWritePicturesAndSummaryAndPrintOneLineWhenExplainingImages() throws IOException {
        byte[] raw = new byte[60];
        new Random(1).nextBytes(raw);
        Files.write(tmp.resolve("a.u8"), raw);
        new Random(2).nextBytes(raw);
        Files.write(tmp.resolve("b.u8"), raw);
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new ExplainImageCommand()).setOut(new PrintWriter(out));

        int code = cli.execute(
                "--model",
                Fixtures.groupSort().toString(),
                "--image",
                tmp.resolve("a.u8").toString(),
                tmp.resolve("b.u8").toString(),
                "--t",
                "1.5",
                "--target",
                "2",
                "--out",
                tmp.resolve("out").toString());

        assertThat(code).isZero();
        assertThat(out.toString().lines()).hasSize(2).allMatch(l -> l.contains("certified radius"));
        for (String stem : new String[] {"a", "b"}) {
            Path dir = tmp.resolve("out").resolve(stem);
            assertThat(dir.resolve("saliency.png")).isRegularFile();
            assertThat(dir.resolve("difference.png")).isRegularFile();
            JsonNode summary =
                    new ObjectMapper().readTree(dir.resolve("explanation.json").toFile());
            assertThat(summary.get("target").asInt()).isEqualTo(2);
            assertThat(summary.get("t").asDouble()).isEqualTo(1.5);
            // the labelled panel, with the default counterfactuals at t = 1, 2, 5
            BufferedImage panel = ImageIO.read(dir.resolve("panel.png").toFile());
            PanelLayout layout = PanelLayout.of(Fixtures.SMALL_INPUT, 3, true);
            assertThat(panel.getWidth()).isEqualTo(layout.width());
            assertThat(panel.getHeight()).isEqualTo(layout.height());
            assertThat(summary.get("counterfactuals"))
                    .extracting(n -> n.get("t").asDouble())
                    .containsExactly(1.0, 2.0, 5.0);
            assertThat(summary.get("counterfactuals")
                            .get(0)
                            .get("predictedClassName")
                            .asText())
                    .startsWith("class-");
        }
        assertThat(new ObjectMapper().readTree(tmp.resolve("out/summary.json").toFile()))
                .hasSize(2);
    }

    @Test
    void shouldDrawTheCounterfactualsAskedForWhenStepFactorsAreGiven() throws IOException {
        byte[] raw = new byte[60];
        new Random(3).nextBytes(raw);
        Files.write(tmp.resolve("c.u8"), raw);
        CommandLine cli = new CommandLine(new ExplainImageCommand()).setOut(new PrintWriter(new StringWriter()));

        int code = cli.execute(
                "--model",
                Fixtures.groupSort().toString(),
                "--image",
                tmp.resolve("c.u8").toString(),
                "--t",
                "1.5",
                "--counterfactual-t",
                "0.5,1.5,3,8",
                "--out",
                tmp.resolve("out").toString());

        assertThat(code).isZero();
        Path dir = tmp.resolve("out/c");
        JsonNode summary =
                new ObjectMapper().readTree(dir.resolve("explanation.json").toFile());
        JsonNode steps = summary.get("counterfactuals");
        assertThat(steps).extracting(n -> n.get("t").asDouble()).containsExactly(0.5, 1.5, 3.0, 8.0);
        // the step at the explanation's own t agrees with its self-check
        assertThat(steps.get(1).get("predictedClass").asInt())
                .isEqualTo(summary.get("counterfactualClass").asInt());
        assertThat(steps.get(1).get("distance").asDouble())
                .isCloseTo(summary.get("counterfactualDistance").asDouble(), within(1e-5));
        BufferedImage panel = ImageIO.read(dir.resolve("panel.png").toFile());
        assertThat(panel.getWidth())
                .isEqualTo(PanelLayout.of(Fixtures.SMALL_INPUT, 4, true).width());
    }

    @Test
    void shouldExitWithUsageErrorWhenAStepFactorIsNotPositive() throws IOException {
        Files.write(tmp.resolve("d.u8"), new byte[60]);
        StringWriter err = new StringWriter();
        int code = new CommandLine(new ExplainImageCommand())
                .setErr(new PrintWriter(err))
                .execute(
                        "--model",
                        Fixtures.groupSort().toString(),
                        "--image",
                        tmp.resolve("d.u8").toString(),
                        "--counterfactual-t",
                        "1,0",
                        "--out",
                        tmp.toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--counterfactual-t values must be finite and > 0, got 0.0");
        assertThat(tmp.resolve("d")).doesNotExist();
    }

    @Test
    void shouldReturnNonZeroWhenImageHasTheWrongSize() throws IOException {
        Files.write(tmp.resolve("bad.u8"), new byte[7]);
        StringWriter err = new StringWriter();
        int code = new CommandLine(new ExplainImageCommand())
                .setErr(new PrintWriter(err))
                .execute(
                        "--model",
                        Fixtures.groupSort().toString(),
                        "--image",
                        tmp.resolve("bad.u8").toString(),
                        "--out",
                        tmp.toString());
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("7 bytes");
    }

    @Test
    void shouldPrintTheSameTableTwiceWhenEvaluatingWithASeed() throws IOException {
        writeIdx(tmp.resolve("data"), 6);
        String first = evaluate(tmp.resolve("r1"));
        String second = evaluate(tmp.resolve("r2"));

        assertThat(first)
                .contains("| Saliency |")
                .contains("| SmoothGrad |")
                .contains("| IntegratedGradients |")
                .contains("| Rise |")
                .contains("µFidelity-uniform [xplique-exact 81/400]")
                .contains("Deletion-zero [xplique 10 steps]")
                .contains("Stability [xplique-uniform[0,r] r=0.3 ×20, 1-spearman]")
                .contains("Robustness-SR")
                .contains("JPEG kB")
                .contains("Saliency vs SmoothGrad")
                .contains("### definitions")
                .contains("### seconds");
        // the dense fixture has no convolutional layer: Grad-CAM is listed as unavailable, with the reason
        assertThat(first).contains("| GradCAM | n/a |").contains("no 'gradcam' signature");
        // the figures and definitions are reproducible; the seconds are not
        assertThat(figures(second)).isEqualTo(figures(first));
        ObjectMapper json = new ObjectMapper();
        JsonNode a = json.readTree(tmp.resolve("r1/evaluation.json").toFile());
        JsonNode b = json.readTree(tmp.resolve("r2/evaluation.json").toFile());
        assertThat(a.get("seconds").get("fixture-dense").get("total").asDouble())
                .isPositive();
        assertThat(a.get("cpuSeconds").get("fixture-dense").get("total").asDouble())
                .isPositive();
        for (JsonNode run : List.of(a, b)) {
            ((ObjectNode) run).remove("seconds");
            ((ObjectNode) run).remove("cpuSeconds");
        }
        assertThat(a).isEqualTo(b);
        assertThat(Files.readString(tmp.resolve("r1/evaluation.md"))).isEqualTo(first);
    }

    private static String figures(String markdown) {
        return markdown.substring(0, markdown.indexOf("### seconds"));
    }

    @Test
    void shouldPrintNullBlockFractionsWhenDataIsBlockMnist() throws IOException {
        writeIdx(tmp.resolve("mnist"), 12);
        StringWriter stdout = new StringWriter();
        int code = new CommandLine(new EvaluateCommand())
                .setOut(new PrintWriter(stdout))
                .setErr(new PrintWriter(new StringWriter()))
                .execute(
                        "--model",
                        Fixtures.blockMnist().toString(),
                        "--data",
                        "block-mnist",
                        "--data-dir",
                        tmp.resolve("mnist").toString(),
                        "--n",
                        "3",
                        "--out",
                        tmp.resolve("block").toString());
        assertThat(code).isZero();
        assertThat(stdout.toString())
                .contains("null@2.5%")
                .contains("null@30.0%")
                .contains("| Saliency |");
    }

    private String evaluate(Path out) {
        StringWriter stdout = new StringWriter();
        int code = new CommandLine(new EvaluateCommand())
                .setOut(new PrintWriter(stdout))
                .setErr(new PrintWriter(new StringWriter()))
                .execute(
                        "--model",
                        Fixtures.denseMnist().toString(),
                        "--data",
                        "fashion-mnist",
                        "--data-dir",
                        tmp.resolve("data").toString(),
                        "--n",
                        "4",
                        "--seed",
                        "3",
                        "--out",
                        out.toString());
        assertThat(code).isZero();
        return stdout.toString();
    }

    /** A tiny synthetic IDX test set (random 28×28 images). */
    static void writeIdx(Path dir, int n) throws IOException {
        Random random = new Random(4);
        IdxFiles.writeIdx(
                dir,
                "t10k",
                n,
                28,
                28,
                true,
                i -> {
                    byte[] pixels = new byte[784];
                    random.nextBytes(pixels);
                    return pixels;
                },
                i -> i % 2 == 0 ? i % 4 / 2 : random.nextInt(10));
    }
}
