package io.otnn.cli.explain;

import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.files.ImageFileExplainer;
import io.otnn.explain.files.ImageFiles;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code otnn explain-image}: explains image files with a checkpoint, writes the pictures (one labelled
 * {@code panel.png} and the single maps at the input's size) and a JSON summary per image, prints one line per image.
 */
@Command(
        name = "explain-image",
        mixinStandardHelpOptions = true,
        description = "Explain images: prediction, certified radius, saliency and counterfactual, as PNGs and JSON.")
public final class ExplainImageCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Checkpoint directory or archive.")
    Path model;

    @Option(
            names = "--image",
            required = true,
            arity = "1..*",
            description = "Image files: .png, .jpg/.jpeg, .u8 (raw bytes H×W×C) or .f32 (raw float32 little-endian).")
    List<Path> images;

    @Option(names = "--target", defaultValue = "-1", description = "Class to explain toward (default: the runner-up).")
    int target;

    @Option(
            names = "--t",
            defaultValue = "2.0",
            description = "Counterfactual step factor t > 1 (default: ${DEFAULT-VALUE}).")
    double t;

    @Option(
            names = "--counterfactual-t",
            split = ",",
            paramLabel = "T",
            defaultValue = "1,2,5",
            description =
                    "Step factors t > 0 of the counterfactuals drawn in panel.png, each re-evaluated by the model "
                            + "(default: ${DEFAULT-VALUE}; 1 is the boundary point).")
    List<Double> panelTs;

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        for (double step : panelTs) {
            if (!(step > 0) || Double.isInfinite(step)) {
                throw new ParameterException(
                        spec.commandLine(), "--counterfactual-t values must be finite and > 0, got " + step);
            }
        }
        // misuse (exit 2) is found before the model is loaded
        if (!Files.exists(model)) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(),
                    "explain-image: --model " + model + ": no such checkpoint directory or archive");
        }
        for (Path image : images) {
            try {
                ImageFiles.format(image);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(
                        spec.commandLine(), "explain-image: " + e.getMessage());
            }
            if (!Files.isRegularFile(image)) {
                throw new picocli.CommandLine.ParameterException(
                        spec.commandLine(), "explain-image: --image " + image + ": no such file");
            }
        }
        try (OtnnModel loaded = OtnnModel.load(model)) {
            ImageFileExplainer files = new ImageFileExplainer(
                    target, t, panelTs.stream().mapToDouble(Double::doubleValue).toArray());
            for (ImageFileExplainer.Result result : files.explain(loaded, images, out)) {
                ImageExplanation e = result.explanation();
                stdout.printf(
                        Locale.ROOT,
                        "%s: %s (%d) margin %.4f certified radius %.4f -> %s (%d) at distance %.4f,"
                                + " x_cf classified %d%s, g(x_delta) = %.2e%n",
                        result.image(),
                        e.predictedName(),
                        e.predicted(),
                        e.margin(),
                        e.radius(),
                        e.runnerUpName(),
                        e.runnerUp(),
                        e.distance(),
                        e.counterfactualClass(),
                        e.counterfactualReachesTarget() ? "" : " (did not reach the target)",
                        e.boundaryResidual());
            }
        }
        stdout.flush();
        return 0;
    }
}
