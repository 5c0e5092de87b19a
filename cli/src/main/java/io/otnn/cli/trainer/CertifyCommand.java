package io.otnn.cli.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import io.otnn.checkpoint.CheckpointException;
import io.otnn.checkpoint.GradientPrecision;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.trainer.data.DataException;
import io.otnn.trainer.diagnostics.FrozenCheckpoint;
import io.otnn.trainer.diagnostics.LipschitzAudit;
import io.otnn.trainer.export.PublishRefusedException;
import io.otnn.trainer.export.Recertifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code otnn certify}: proves the Lipschitz bound of a checkpoint's weights layer by layer and, with {@code --out},
 * publishes the next version of the model certified with that bound (trainer's {@link Recertifier}). Exit codes as
 * {@code otnn train}: 2 misuse, 3 unreadable data or checkpoint, 4 unwritable output, 5 a bound that cannot be proven.
 */
@Command(
        name = "certify",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Audit the Lipschitz bound of a checkpoint's weights; with --out, publish it certified with that"
                + " bound.")
public final class CertifyCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "checkpoint directory")
    Path model;

    @Option(
            names = "--data-dir",
            description =
                    "folder of the checkpoint's data set: its test images are evaluated again (needed with --out)")
    Path dataDir;

    @Option(
            names = "--out",
            description = "where the recertified checkpoint goes (the next version; may be --model itself)")
    Path out;

    @Option(
            names = "--gradient-precision",
            paramLabel = "fp32|bf16",
            description = "with --out: the arithmetic of the explain gradients (the saliency); bf16 runs the backward"
                    + " pass's matrix products in bfloat16, the logits and certificates stay fp32 (default: the"
                    + " checkpoint's)")
    String gradientPrecision;

    @Option(
            names = "--no-estimates",
            description =
                    "the sound bounds alone, without the power iterations beside them (seconds instead of a minute"
                            + " for a cnn)")
    boolean noEstimates;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter o = spec.commandLine().getOut();
        if (out != null && dataDir == null) {
            err.println("otnn certify: --out needs --data-dir (the test images are evaluated again)");
            return CommandLine.ExitCode.USAGE;
        }
        GradientPrecision precision = null;
        if (gradientPrecision != null) {
            if (out == null) {
                err.println("otnn certify: --gradient-precision needs --out (the checkpoint is exported again)");
                return CommandLine.ExitCode.USAGE;
            }
            try {
                precision = GradientPrecision.parse(gradientPrecision);
            } catch (IllegalArgumentException e) {
                err.println("otnn certify: --gradient-precision: " + e.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
        }
        if (!Files.isRegularFile(model.resolve(ModelMetadata.FILE_NAME))) {
            err.println("otnn certify: " + model + " is not a checkpoint (no " + ModelMetadata.FILE_NAME + ")");
            return TrainCommand.EXIT_DATA;
        }
        try {
            if (out == null) {
                FrozenCheckpoint checkpoint = FrozenCheckpoint.read(model);
                LipschitzAudit.Audit audit =
                        noEstimates ? LipschitzAudit.bounds(checkpoint) : LipschitzAudit.audit(checkpoint);
                o.print(audit.toMarkdown());
                ModelMetadata m = checkpoint.metadata();
                o.printf(
                        Locale.ROOT,
                        "recorded: L = %.6f, c = %.6f (c·L = %.6f); proven: c·L = %.6f%n",
                        m.lipschitzConstant(),
                        m.certificateFactor(),
                        m.certificateFactor() * m.lipschitzConstant(),
                        audit.unbounded().isEmpty()
                                ? audit.marginCertificateFactor() * audit.lipschitzBound()
                                : Double.NaN);
                return audit.unbounded().isEmpty() ? CommandLine.ExitCode.OK : TrainCommand.EXIT_VERIFICATION;
            }
            Recertifier.Recertified r = Recertifier.recertify(model, dataDir, out, precision);
            ModelMetadata b = r.before(), a = r.after();
            o.printf(
                    Locale.ROOT,
                    "L %.6f -> %.6f, c %.6f -> %.6f (%s)%n",
                    b.lipschitzConstant(),
                    a.lipschitzConstant(),
                    b.certificateFactor(),
                    a.certificateFactor(),
                    a.architecture().get("lipschitz").get("method").asText());
            o.printf(
                    Locale.ROOT,
                    "test accuracy %.4f; mean certificate %.4f -> %.4f%n",
                    a.evaluationFigure("testAccuracy"),
                    b.evaluationFigure("meanCertificate"),
                    a.evaluationFigure("meanCertificate"));
            JsonNode before = b.evaluation().get("certifiedAccuracy");
            for (Iterator<Map.Entry<String, JsonNode>> it =
                            a.evaluation().get("certifiedAccuracy").fields();
                    it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                o.printf(
                        Locale.ROOT,
                        "certified accuracy at %.4f: %.4f -> %.4f%n",
                        Double.parseDouble(e.getKey()),
                        before != null && before.has(e.getKey())
                                ? before.get(e.getKey()).asDouble()
                                : Double.NaN,
                        e.getValue().asDouble());
            }
            if (a.gradientPrecision() != b.gradientPrecision()) {
                o.println("explain gradients " + b.gradientPrecision().label() + " -> "
                        + a.gradientPrecision().label() + "; ‖∇f‖ min/mean/max "
                        + gradientNorms(a));
            }
            o.println("checkpoint " + r.dir() + " version " + a.version() + " (was " + b.version() + ")");
            return CommandLine.ExitCode.OK;
        } catch (PublishRefusedException e) {
            err.println("otnn certify: " + e.getMessage());
            return TrainCommand.EXIT_VERIFICATION;
        } catch (DataException | CheckpointException e) {
            err.println("otnn certify: " + e.getMessage());
            return TrainCommand.EXIT_DATA;
        } catch (UncheckedIOException e) {
            err.println("otnn certify: " + e.getCause().getMessage());
            return TrainCommand.EXIT_OUTPUT;
        } catch (IOException e) {
            err.println("otnn certify: " + e.getMessage());
            return TrainCommand.EXIT_OUTPUT;
        } catch (IllegalArgumentException e) {
            err.println("otnn certify: " + e.getMessage());
            return TrainCommand.EXIT_DATA;
        }
    }

    private static String gradientNorms(ModelMetadata m) {
        JsonNode g = m.evaluation().get("gradientNorm");
        return g == null
                ? "not recorded"
                : String.format(
                        Locale.ROOT,
                        "%.4f/%.4f/%.4f",
                        g.get("min").asDouble(),
                        g.get("mean").asDouble(),
                        g.get("max").asDouble());
    }
}
