package io.otnn.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.cli.OtnnCommand;
import io.otnn.explain.render.PanelLayout;
import io.otnn.reference.ReferenceModel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The README's first command, end to end on a fresh machine: trains, explains live, asks the trainer service for the
 * next version and swaps it in live, draws, stops by itself.
 */
class DemoCommandTest {

    @TempDir
    Path out;

    @Test
    void shouldTrainExplainSwapToTheNextVersionAndDrawWhenAskedToTrain() throws Exception {
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        CommandLine cmd = OtnnCommand.commandLine();
        cmd.setOut(new PrintWriter(stdout, true));
        cmd.setErr(new PrintWriter(stderr, true));

        int exit = cmd.execute(
                "demo",
                "--train",
                "--epochs",
                "1",
                "--next-epochs",
                "1",
                // the swap comes when the trainer service's training ends, which takes longer on a slower machine
                "--until-swapped",
                "--duration",
                "240s",
                "--rate",
                "100",
                "--pictures",
                "3",
                "--out",
                out.toString());

        String printed = stdout.toString();
        assertThat(exit).as(printed + stderr).isZero();
        Path checkpoint = out.resolve("model");
        CheckpointManifest.read(checkpoint).verify(checkpoint);
        String name =
                ModelMetadata.read(checkpoint.resolve(ModelMetadata.FILE_NAME)).name();
        assertThat(name).isEqualTo("fashion-mnist-dense-otnn-demo");
        assertThat(printed).contains("Training the dense OTNN").doesNotContain("Serving the reference checkpoint");
        assertThat(out.resolve(ReferenceModel.FOLDER)).doesNotExist();

        Matcher total = Pattern.compile(
                        "Explained ([\\d,]+) images, ([\\d,]+) dead letters \\(by model version: v1 ([\\d,]+), v2 ([\\d,]+)\\)")
                .matcher(printed);
        assertThat(total.find()).as(printed).isTrue();
        assertThat(Long.parseLong(total.group(4).replace(",", "")))
                .as("explanations by the version the trainer service trained, after the live swap")
                .isPositive();
        assertThat(printed)
                .contains("asked the trainer service for the next version")
                .containsPattern("The trainer service published " + name + " v2 \\(test accuracy [\\d.]+ %\\) "
                        + "at http://127\\.0\\.0\\.1:\\d+/models/" + name + "/2\\.tar\\.gz")
                .containsPattern("The explainer swapped to " + name + " v2 in \\d+ ms")
                .containsPattern("model v2 \\(v1 [\\d,]+, v2 [\\d,]+\\)  explained")
                .contains("The next version explains images: stopping (--until-swapped)");
        long explained = Long.parseLong(total.group(1).replace(",", ""));
        assertThat(explained)
                .as("explanations read back at 100 images/s until the swap")
                .isGreaterThan(100);
        assertThat(total.group(2)).isEqualTo("0");
        assertThat(printed).containsPattern("explained [\\d,]+ \\(\\d+/s\\)  latency p50 \\d+ ms p99 \\d+ ms");
        assertThat(printed).containsPattern("Dashboard: http://127\\.0\\.0\\.1:\\d+/");
        assertThat(printed)
                .containsPattern("Explainer health and metrics: http://127\\.0\\.0\\.1:\\d+/health/ready, "
                        + "http://127\\.0\\.0\\.1:\\d+/metrics");

        List<Path> drawn;
        try (Stream<Path> dirs = Files.list(out.resolve("explanations"))) {
            drawn = dirs.sorted().toList();
        }
        assertThat(drawn).hasSize(3);
        // image, saliency, overlay, x_cf at t = 1, 2 (the record's), 5, difference: 28×28 enlarged to 224×224
        PanelLayout layout = PanelLayout.of(
                ModelMetadata.read(checkpoint.resolve(ModelMetadata.FILE_NAME)).input(), 3, true);
        assertThat(layout.image().picture().width()).isEqualTo(224);
        for (Path dir : drawn) {
            var panel = ImageIO.read(dir.resolve("panel.png").toFile());
            assertThat(panel.getWidth()).isEqualTo(layout.width()).isGreaterThan(7 * 224);
            assertThat(panel.getHeight()).isEqualTo(layout.height());
            assertThat(Files.readString(dir.resolve("explanation.txt")))
                    .contains("certified L2 radius")
                    .contains("x_cf at t = 1.0: model says")
                    .contains("x_cf at t = 5.0: model says")
                    .containsPattern("x_cf at t = 2\\.0: model says .* \\(from the record\\)");
        }
    }

    @Test
    void shouldServeTheReferenceCheckpointAndDrawItsLabelledPanelsWhenRunWithNoModelOption() throws Exception {
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        CommandLine cmd = OtnnCommand.commandLine();
        cmd.setOut(new PrintWriter(stdout, true));
        cmd.setErr(new PrintWriter(stderr, true));

        int exit = cmd.execute("demo", "--no-swap", "--duration", "25s", "--pictures", "2", "--out", out.toString());

        String printed = stdout.toString();
        assertThat(exit).as(printed + stderr).isZero();
        Path checkpoint = out.resolve(ReferenceModel.FOLDER);
        CheckpointManifest.read(checkpoint).verify(checkpoint);
        ModelMetadata metadata = ModelMetadata.read(checkpoint.resolve(ModelMetadata.FILE_NAME));
        assertThat(metadata.architecture().get("preset").asText()).isEqualTo("cnn");
        assertThat(printed)
                .contains("Serving the reference checkpoint " + checkpoint)
                .contains("Explainer running: model " + metadata.name() + " v" + metadata.version())
                .doesNotContain("Training the dense OTNN")
                .doesNotContain("asked the trainer service");
        Matcher total = Pattern.compile("Explained ([\\d,]+) images, ([\\d,]+) dead letters \\(by model version: v"
                        + metadata.version() + " ([\\d,]+)\\)")
                .matcher(printed);
        assertThat(total.find()).as(printed).isTrue();
        assertThat(Long.parseLong(total.group(1).replace(",", ""))).isPositive();
        assertThat(total.group(2)).isEqualTo("0");
        List<Path> drawn;
        try (Stream<Path> dirs = Files.list(out.resolve("explanations"))) {
            drawn = dirs.sorted().toList();
        }
        assertThat(drawn).hasSize(2);
        for (Path dir : drawn) {
            assertThat(Files.readString(dir.resolve("explanation.txt")))
                    .contains("certified L2 radius")
                    .containsPattern("x_cf at t = 2\\.0: model says .* \\(from the record\\)");
            assertThat(dir.resolve("panel.png")).isNotEmptyFile();
        }
    }

    @Test
    void shouldRefuseToTrainAndServeAGivenModelAtOnceInOneLine() {
        StringWriter stderr = new StringWriter();
        CommandLine cmd = OtnnCommand.commandLine();
        cmd.setErr(new PrintWriter(stderr, true));

        int exit = cmd.execute("demo", "--train", "--model", out.toString(), "--out", out.toString());

        assertThat(exit).isEqualTo(2);
        assertThat(stderr.toString().strip())
                .startsWith("otnn: --train and --model exclude each other: train a model or serve one")
                .doesNotContain("\n");
    }

    @Test
    void shouldRefuseToWaitForASwapItWasToldNotToMake() {
        StringWriter stderr = new StringWriter();
        CommandLine cmd = OtnnCommand.commandLine();
        cmd.setErr(new PrintWriter(stderr, true));

        int exit = cmd.execute("demo", "--until-swapped", "--no-swap", "--out", out.toString());

        assertThat(exit).isEqualTo(2);
        assertThat(stderr.toString().strip())
                .startsWith("otnn: --until-swapped needs the swap: it excludes --no-swap")
                .doesNotContain("\n");
    }

    @Test
    void shouldRefuseANonPositiveDurationInOneLine() {
        StringWriter stderr = new StringWriter();
        CommandLine cmd = OtnnCommand.commandLine();
        cmd.setErr(new PrintWriter(stderr, true));

        int exit = cmd.execute("demo", "--duration", "0s", "--out", out.toString());

        assertThat(exit).isEqualTo(2);
        assertThat(stderr.toString().strip())
                .startsWith("otnn: --duration must be a positive duration")
                .doesNotContain("\n");
    }
}
