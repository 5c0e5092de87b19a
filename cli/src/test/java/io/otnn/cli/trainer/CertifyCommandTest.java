package io.otnn.cli.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.GradientPrecision;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.cli.OtnnCommand;
import io.otnn.reference.ReferenceModel;
import io.otnn.trainer.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code otnn certify}: the audit table, a recertified next version, and one line with an exit code otherwise. */
class CertifyCommandTest {

    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cl = OtnnCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void shouldPrintTheReferencesAuditAndRefuseToRecertifyItOnTheSmallFixture() throws Exception {
        Path reference = ReferenceModel.extract(tmp);

        Run audit = run("certify", "--model", reference.toString(), "--no-estimates");
        assertThat(audit.code()).as(audit.err()).isZero();
        assertThat(audit.out())
                .contains("| 0 | SpectralConv2D(24, 3x3) | [28, 28, 1] | — | 1.024390 |")
                .contains("L ≤ 1.323062")
                .contains("no power iterations; certificate factor c = 2.000000 (with the pairwise factor 1.676037,"
                        + " so c·L = 2.217501)")
                .containsPattern(
                        "recorded: L = 1\\.323062, c = 1\\.676037 \\(c·L = 2\\.217501\\); proven: c·L = 2\\.217501");

        Run refused = run(
                "certify",
                "--model",
                reference.toString(),
                "--data-dir",
                Fixtures.fashionMnistMini().toString(),
                "--out",
                tmp.resolve("again").toString());
        assertThat(refused.code()).isEqualTo(TrainCommand.EXIT_VERIFICATION);
        assertThat(refused.err().strip().lines())
                .singleElement()
                .asString()
                .startsWith("otnn certify: the checkpoint was evaluated on 10000 test images")
                .doesNotContain("Exception");
        assertThat(tmp.resolve("again")).doesNotExist();
    }

    @Test
    void shouldPublishTheNextVersionWithTheSameCertificatesWhenTheBoundIsAlreadyRecorded() {
        Path model = tmp.resolve("dense");
        assertThat(TrainCommand.execute(
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
                        "0.125",
                        "--no-progress",
                        "--out",
                        model.toString()))
                .isZero();
        ModelMetadata before = ModelMetadata.read(model.resolve(ModelMetadata.FILE_NAME));
        Run audit = run("certify", "--model", model.toString());
        assertThat(audit.code()).as(audit.err()).isZero();
        assertThat(audit.out()).contains("product of the power-iteration values");
        // the power iteration from below beside each Gram bound
        assertThat(audit.out())
                .containsPattern(
                        "\\| 1 \\| SpectralDense\\(64\\) \\| \\[784\\] \\| (0\\.99|1\\.00)\\d{4} \\| 1\\.0000\\d\\d \\|");

        Run r = run(
                "certify",
                "--model",
                model.toString(),
                "--data-dir",
                Fixtures.fashionMnistMini().toString(),
                "--out",
                model.toString());

        assertThat(r.code()).as(r.err()).isZero();
        CheckpointManifest.read(model).verify(model);
        ModelMetadata after = ModelMetadata.read(model.resolve(ModelMetadata.FILE_NAME));
        assertThat(after.version()).isEqualTo(before.version() + 1);
        // the export already recorded the proven bound: the same constants, the same figures
        assertThat(after.lipschitzConstant()).isEqualTo(before.lipschitzConstant());
        assertThat(after.evaluation().get("certifiedAccuracy"))
                .isEqualTo(before.evaluation().get("certifiedAccuracy"));
        Matcher line = Pattern.compile("certified accuracy at 0\\.1412: ([\\d.]+) -> ([\\d.]+)")
                .matcher(r.out());
        assertThat(line.find()).as(r.out()).isTrue();
        assertThat(line.group(1)).isEqualTo(line.group(2));
        assertThat(r.out()).contains("checkpoint " + model.toAbsolutePath() + " version 2 (was 1)");

        Path bf16 = tmp.resolve("dense-bf16");
        Run rounded = run(
                "certify",
                "--model",
                model.toString(),
                "--data-dir",
                Fixtures.fashionMnistMini().toString(),
                "--out",
                bf16.toString(),
                "--gradient-precision",
                "bf16");
        assertThat(rounded.code()).as(rounded.err()).isZero();
        assertThat(rounded.out()).containsPattern("explain gradients fp32 -> bf16; ‖∇f‖ min/mean/max [\\d./]+");
        CheckpointManifest.read(bf16).verify(bf16);
        ModelMetadata b = ModelMetadata.read(bf16.resolve(ModelMetadata.FILE_NAME));
        assertThat(b.gradientPrecision()).isEqualTo(GradientPrecision.BF16);
        assertThat(b.architecture().get(GradientPrecision.PRODUCTS_FIELD).asInt())
                .isEqualTo(3);
        // the logits and so the certificates are computed in fp32 as before; only the saliency is rounded
        assertThat(b.evaluation().get("certifiedAccuracy"))
                .isEqualTo(after.evaluation().get("certifiedAccuracy"));
        assertThat(b.evaluation().get("meanCertificate"))
                .isEqualTo(after.evaluation().get("meanCertificate"));
        assertThat(b.evaluation().get("gradientNorm").get("mean").asDouble())
                .isCloseTo(after.evaluation().get("gradientNorm").get("mean").asDouble(), offset(0.01))
                .isNotEqualTo(after.evaluation().get("gradientNorm").get("mean").asDouble());
    }

    @Test
    void shouldPrintOneLineWhenMisusedOrGivenSomethingThatIsNotACheckpoint() throws Exception {
        Run misuse = run(
                "certify", "--model", tmp.toString(), "--out", tmp.resolve("x").toString());
        assertThat(misuse.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(misuse.err().strip().lines()).singleElement().asString().contains("--out needs --data-dir");

        Files.createDirectories(tmp.resolve("empty"));
        Run notACheckpoint = run("certify", "--model", tmp.resolve("empty").toString());
        assertThat(notACheckpoint.code()).isEqualTo(TrainCommand.EXIT_DATA);
        assertThat(notACheckpoint.err().strip().lines())
                .singleElement()
                .asString()
                .contains("is not a checkpoint");

        Run precisionAlone = run("certify", "--model", tmp.toString(), "--gradient-precision", "bf16");
        assertThat(precisionAlone.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(precisionAlone.err().strip().lines())
                .singleElement()
                .asString()
                .contains("--gradient-precision needs --out");
        Run badPrecision = run(
                "certify",
                "--model",
                tmp.toString(),
                "--data-dir",
                tmp.toString(),
                "--out",
                tmp.resolve("x").toString(),
                "--gradient-precision",
                "fp8");
        assertThat(badPrecision.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(badPrecision.err().strip().lines())
                .singleElement()
                .asString()
                .contains("unknown gradient precision 'fp8' (fp32 or bf16)");

        Run unknown = run("certify", "--model", tmp.toString(), "--bogus");
        assertThat(unknown.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(unknown.err().strip().lines()).hasSize(1);
    }
}
