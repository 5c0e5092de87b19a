package io.otnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The root command's contract: version, and misuse as one line on stderr with exit code 2. */
class OtnnCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cmd = OtnnCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    @Test
    void shouldPrintProjectVersionWhenAskedForVersion() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString()).startsWith("otnn " + VersionProvider.version());
        assertThat(VersionProvider.version()).matches("\\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void shouldPrintOneLineAndExit2WhenOptionIsUnknown() {
        assertThat(run("--no-such-flag")).isEqualTo(2);
        assertThat(err.toString().lines())
                .singleElement()
                .asString()
                .startsWith("otnn: ")
                .contains("--no-such-flag");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void shouldPrintOneLineAndExit2WhenPortIsNotANumber() {
        assertThat(run("local-stack", "--kafka-port", "abc")).isEqualTo(2);
        assertThat(err.toString().lines())
                .singleElement()
                .asString()
                .contains("--kafka-port")
                .contains("abc");
    }

    @Test
    void shouldPrintOneLineAndExit2WhenPortIsOutOfRange() {
        assertThat(run("local-stack", "--registry-port", "70000")).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString().contains("0..65535");
    }

    @Test
    void shouldPrintOneLineAndExit2WhenSubcommandIsMissing() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString().contains("subcommand");
    }

    @ParameterizedTest(name = "otnn {0}")
    @ValueSource(strings = {"explain", "train", "ingest", "explain-image", "evaluate"})
    void shouldPrintOneLineAndExit2WhenRequiredOptionsAreMissing(String subcommand) {
        assertThat(run(subcommand)).isEqualTo(2);
        assertThat(err.toString().lines())
                .singleElement()
                .asString()
                .startsWith("otnn: ")
                .contains("--")
                .doesNotContain("Exception");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void shouldNameEachMissingSettingWhenExplainLacksIt(@TempDir Path model) {
        assertThat(run("explain")).isEqualTo(2);
        assertThat(lastErrorLine()).contains("missing --bootstrap-servers", "OTNN_BOOTSTRAP_SERVERS");
        assertThat(run("explain", "--bootstrap-servers", "127.0.0.1:1")).isEqualTo(2);
        assertThat(lastErrorLine()).contains("missing --model");
        assertThat(run(
                        "explain",
                        "--bootstrap-servers",
                        "127.0.0.1:1",
                        "--model",
                        model.resolve("absent").toString()))
                .isEqualTo(2);
        assertThat(lastErrorLine()).contains("no such checkpoint");
        assertThat(run("explain", "--bootstrap-servers", "127.0.0.1:1", "--model", model.toString()))
                .isEqualTo(2);
        assertThat(lastErrorLine()).contains("missing --schema-registry");
        assertThat(run(
                        "explain",
                        "--bootstrap-servers",
                        "127.0.0.1:1",
                        "--model",
                        model.toString(),
                        "--schema-registry",
                        "not a url"))
                .isEqualTo(2);
        assertThat(lastErrorLine()).contains("schema.registry.url");
        assertThat(run(
                        "explain",
                        "--bootstrap-servers",
                        "127.0.0.1:1",
                        "--model",
                        model.toString(),
                        "--schema-registry",
                        "http://127.0.0.1:1",
                        "-p",
                        "batch.max.size=lots"))
                .isEqualTo(2);
        assertThat(lastErrorLine()).contains("batch.max.size", "lots");
        // following a model name instead of a path: the name and the pinned version are checked too
        assertThat(run("explain", "--bootstrap-servers", "127.0.0.1:1", "--model-name", "no spaces allowed"))
                .isEqualTo(2);
        assertThat(lastErrorLine()).contains("--model-name", "no spaces allowed");
        assertThat(run("explain", "--bootstrap-servers", "127.0.0.1:1", "--model-name", "m", "--model-version", "0"))
                .isEqualTo(2);
        assertThat(lastErrorLine()).contains("model.version", "at least 1");
        assertThat(run("explain", "--bootstrap-servers", "127.0.0.1:1", "--model-name", "m"))
                .isEqualTo(2);
        assertThat(lastErrorLine()).contains("missing --schema-registry");
        assertThat(run("explain", "--config", model.resolve("absent.properties").toString()))
                .isEqualTo(2);
        assertThat(lastErrorLine()).contains("no such file");
        assertThat(err.toString().lines())
                .hasSize(10)
                .allSatisfy(line -> assertThat(line).startsWith("otnn: explain: "));
    }

    @Test
    void shouldPrintOneLineAndExit2WhenEvaluateOrExplainImageIsMisused(@TempDir Path dir) throws Exception {
        assertThat(run(
                        "evaluate",
                        "--model",
                        dir.toString(),
                        "--data",
                        "cifar",
                        "--data-dir",
                        dir.toString(),
                        "--out",
                        dir.resolve("out").toString()))
                .isEqualTo(2);
        assertThat(lastErrorLine()).startsWith("otnn: evaluate: --data must be");
        String[] base = {
            "evaluate",
            "--model",
            dir.toString(),
            "--data-dir",
            dir.toString(),
            "--out",
            dir.resolve("out").toString()
        };
        assertThat(run(concat(base, "--n", "0"))).isEqualTo(2);
        assertThat(lastErrorLine()).startsWith("otnn: evaluate: --n must be >= 1, got 0");
        assertThat(run(concat(base, "--stability-radius", "-1"))).isEqualTo(2);
        assertThat(lastErrorLine()).startsWith("otnn: evaluate: --stability-radius must be finite and >= 0, got -1.0");
        assertThat(run(concat(base, "--stability-n", "-3"))).isEqualTo(2);
        assertThat(lastErrorLine()).startsWith("otnn: evaluate: --stability-n and --robustness-n must be >= 0");
        assertThat(run(concat(base, "--rise-masks", "0"))).isEqualTo(2);
        assertThat(lastErrorLine()).startsWith("otnn: evaluate: --rise-masks must be >= 1, got 0");
        assertThat(dir.resolve("out")).doesNotExist();
        Path image = java.nio.file.Files.writeString(dir.resolve("picture.gif"), "GIF89a");
        assertThat(run(
                        "explain-image",
                        "--model",
                        dir.toString(),
                        "--image",
                        image.toString(),
                        "--out",
                        dir.resolve("out").toString()))
                .isEqualTo(2);
        assertThat(lastErrorLine()).startsWith("otnn: explain-image: ").contains("unknown image type");
        assertThat(run(
                        "explain-image",
                        "--model",
                        dir.resolve("absent").toString(),
                        "--image",
                        image.toString(),
                        "--out",
                        dir.resolve("out").toString()))
                .isEqualTo(2);
        assertThat(lastErrorLine()).contains("no such checkpoint");
        assertThat(run(
                        "explain-image",
                        "--model",
                        dir.toString(),
                        "--image",
                        dir.resolve("absent.png").toString(),
                        "--out",
                        dir.resolve("out").toString()))
                .isEqualTo(2);
        assertThat(lastErrorLine()).contains("absent.png: no such file");
        assertThat(err.toString().lines()).hasSize(8);
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void shouldPrintOneLineAndExit2WhenIngestHasNoUsableSource(@TempDir Path dir) {
        assertThat(run(
                        "ingest",
                        "--source",
                        "idx:" + dir.resolve("absent"),
                        "--bootstrap-servers",
                        "127.0.0.1:1",
                        "--schema-registry",
                        "http://127.0.0.1:1"))
                .isEqualTo(2);
        assertThat(err.toString().lines())
                .singleElement()
                .asString()
                .startsWith("otnn: ingest: ")
                .contains("absent");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void shouldPrintOneLineAndExit1WhenLocalStackKafkaPortIsInUse(@TempDir Path dir) throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThat(run("local-stack", "--data-dir", dir.toString(), "--kafka-port", String.valueOf(port)))
                    .isEqualTo(1);
            assertThat(err.toString().lines())
                    .singleElement()
                    .asString()
                    .startsWith("otnn: ")
                    .contains("is port " + port + " already in use?");
            assertThat(out.toString()).isEmpty();
        }
    }

    private String lastErrorLine() {
        List<String> lines = err.toString().lines().toList();
        return lines.get(lines.size() - 1);
    }

    @Test
    void shouldListLocalStackWhenAskedForHelp() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("local-stack");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
