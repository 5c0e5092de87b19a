package io.otnn.cli.reproduce;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.cli.OtnnCommand;
import io.otnn.datasets.SampleData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code otnn reproduce}'s misuse: one line on stderr, exit 2, nothing trained or written. */
class ReproduceCommandTest {

    @TempDir
    Path tmp;

    Path data;
    StringWriter out;
    StringWriter err;

    @BeforeEach
    void dataDir() throws IOException {
        data = Files.createDirectories(tmp.resolve("data").resolve("fashion-mnist"))
                .getParent();
        try (Stream<Path> files = Files.list(SampleData.extract(tmp.resolve("sample")))) {
            for (Path f : files.toList()) {
                Files.copy(
                        f, data.resolve("fashion-mnist").resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = OtnnCommand.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    void assertMisuse(int code, String fragment) {
        assertThat(code).isEqualTo(2);
        assertThat(err.toString().lines()).hasSize(1);
        assertThat(err.toString())
                .contains(fragment)
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void shouldExitWithUsageInOneLineWhenTheDataDirIsMissing() {
        assertMisuse(run("reproduce", "--out", tmp.resolve("out").toString()), "--data-dir");
    }

    @Test
    void shouldExitWithUsageInOneLineWhenTheDataDirHasNoFashionMnist() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertMisuse(
                run(
                        "reproduce",
                        "--data-dir",
                        empty.toString(),
                        "--out",
                        tmp.resolve("out").toString()),
                "has no fashion-mnist/");
    }

    @Test
    void shouldExitWithUsageInOneLineWhenAnOptionHasABadValue() {
        String o = tmp.resolve("out").toString();
        String d = data.toString();
        assertMisuse(run("reproduce", "--data-dir", d, "--out", o, "--eq4", "all"), "--eq4 must be dense, cnn");
        assertMisuse(run("reproduce", "--data-dir", d, "--out", o, "--epochs", "0"), "--epochs must be in [1, 1000]");
        assertMisuse(run("reproduce", "--data-dir", d, "--out", o, "--n", "1"), "--n must be in [2, 10000]");
        assertMisuse(run("reproduce", "--data-dir", d, "--out", o, "--n", "many"), "--n");
        assertMisuse(run("reproduce", "--data-dir", d, "--out", o, "--width", "0"), "--width must be in (0, 8]");
        assertMisuse(run("reproduce", "--data-dir", d, "--out", o, "--models", d + "/nowhere"), "is not a directory");
        assertMisuse(run("reproduce", "--data-dir", d, "--out", o, "--skip", "vgg"), "unknown model 'vgg', valid:");
        assertMisuse(run("reproduce", "--data-dir", d, "--out", o, "--bogus"), "--bogus");
    }

    @Test
    void shouldExitWithUsageInOneLineWhenAModelIsMisnamed() {
        String o = tmp.resolve("out").toString();
        String d = data.toString();
        assertMisuse(run("reproduce", "--data-dir", d, "--out", o, "--model", "dense-otnn"), "--model takes ROLE=PATH");
        assertMisuse(
                run("reproduce", "--data-dir", d, "--out", o, "--model", "resnet=" + d),
                "unknown model 'resnet', valid: dense-otnn, dense-baseline");
        assertMisuse(
                run("reproduce", "--data-dir", d, "--out", o, "--model", "koch=" + d + "/none"),
                "--model koch: " + d + "/none does not exist");
    }

    @Test
    void shouldDocumentEveryOptionWhenAskedForHelp() {
        assertThat(run("reproduce", "--help")).isZero();
        for (String option : new String[] {
            "--data-dir",
            "--out",
            "--quick",
            "--epochs",
            "--limit",
            "--test-limit",
            "--n",
            "--width",
            "--seed",
            "--eq4",
            "--models",
            "--model",
            "--skip"
        }) {
            assertThat(out.toString()).contains(option);
        }
        assertThat(out.toString()).contains("dense-otnn").contains("block-mnist");
    }
}
