package io.otnn.cli.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.trainer.Fixtures;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** One clear line and a non-zero exit for each kind of user error; a short real run for the happy path. */
class TrainCommandTest {

    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {}

    private Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cl = new CommandLine(new TrainCommand());
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("otnn train: " + ex.getMessage() + " (see --help)");
            return CommandLine.ExitCode.USAGE;
        });
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void shouldPrintOneLineAndExitTwoWhenAFlagIsUnknown() {
        Run r = run(
                "--data",
                "fashion-mnist",
                "--epochs",
                "1",
                "--out",
                tmp.resolve("o").toString(),
                "--bogus");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1).first().asString().contains("Unknown option: '--bogus'");
    }

    @Test
    void shouldPrintOneLineAndExitTwoWhenTheLossDoesNotExist() {
        Run r = run(
                "--data",
                "fashion-mnist",
                "--data-dir",
                tmp.toString(),
                "--loss",
                "hinge",
                "--epochs",
                "1",
                "--out",
                tmp.resolve("o").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip().lines())
                .hasSize(1)
                .first()
                .asString()
                .contains("valid: hkr, hkr-multiclass, hkr-softmax, hkr-soft, cross-entropy");
    }

    @Test
    void shouldPrintOneLineAndExitThreeWhenTheDataSetIsMissing() {
        Run r = run(
                "--data",
                "fashion-mnist",
                "--data-dir",
                tmp.resolve("nowhere").toString(),
                "--epochs",
                "1",
                "--out",
                tmp.resolve("o").toString());
        assertThat(r.code()).isEqualTo(TrainCommand.EXIT_DATA);
        assertThat(r.err().strip().lines())
                .hasSize(1)
                .first()
                .asString()
                .contains("nowhere")
                .contains("no such directory");
    }

    @Test
    void shouldPrintOneLineAndExitFourWhenTheOutputIsUnwritable() throws Exception {
        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        Run r = run(
                "--data",
                "fashion-mnist",
                "--data-dir",
                Fixtures.fashionMnistMini().toString(),
                "--epochs",
                "1",
                "--out",
                file.resolve("ckpt").toString());
        assertThat(r.code()).isEqualTo(TrainCommand.EXIT_OUTPUT);
        assertThat(r.err().strip().lines()).hasSize(1).first().asString().contains("cannot write the checkpoint");
    }

    @Test
    void shouldPublishWhenAShortRunIsRequested() {
        Run r = run(
                "--data",
                "fashion-mnist",
                "--data-dir",
                Fixtures.fashionMnistMini().toString(),
                "--epochs",
                "1",
                "--limit",
                "300",
                "--test-limit",
                "100",
                "--width",
                "0.25",
                "--no-progress",
                "--out",
                tmp.resolve("ok").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("test accuracy").contains("checkpoint");
        assertThat(tmp.resolve("ok").resolve("MANIFEST.sha256")).exists();
    }
}
