package io.otnn.explain.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.otnn.explain.CounterfactualStep;
import io.otnn.explain.Explainer;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.input.ImageDecoder;
import io.otnn.explain.input.PixelFormat;
import io.otnn.explain.render.ExplanationPanel;
import io.otnn.explain.render.PanelContent;
import io.otnn.explain.render.Renderer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
@Command(name = "explain-image", mixinStandardHelpOptions = true,
        description = "Explain images: prediction, certified radius, saliency and counterfactual, as PNGs and JSON.")
public final class ExplainImageCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Checkpoint directory or archive.")
    Path model;

    @Option(names = "--image", required = true, arity = "1..*",
            description = "Image files: .png, .jpg/.jpeg, .u8 (raw bytes H×W×C) or .f32 (raw float32 little-endian).")
    List<Path> images;

    @Option(names = "--target", defaultValue = "-1", description = "Class to explain toward (default: the runner-up).")
    int target;

    @Option(names = "--t", defaultValue = "2.0", description = "Counterfactual step factor t > 1 (default: ${DEFAULT-VALUE}).")
    double t;

    @Option(names = "--counterfactual-t", split = ",", paramLabel = "T", defaultValue = "1,2,5",
            description = "Step factors t > 0 of the counterfactuals drawn in panel.png, each re-evaluated by the model "
                    + "(default: ${DEFAULT-VALUE}; 1 is the boundary point).")
    List<Double> panelTs;

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        for (double step : panelTs) {
            if (!(step > 0) || Double.isInfinite(step)) {
                throw new ParameterException(spec.commandLine(), "--counterfactual-t values must be finite and > 0, got "
                        + step);
            }
        }
        // misuse (exit 2) is found before the model is loaded
        if (!Files.exists(model)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "explain-image: --model " + model + ": no such checkpoint directory or archive");
        }
        for (Path image : images) {
            try {
                format(image);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "explain-image: " + e.getMessage());
            }
            if (!Files.isRegularFile(image)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "explain-image: --image " + image + ": no such file");
            }
        }
        try (OtnnModel loaded = OtnnModel.load(model); Explainer explainer = loaded.newExplainer().withT(t)) {
            ModelMetadata.Input in = loaded.metadata().input();
            ImageDecoder decoder = new ImageDecoder(loaded.metadata());
            float[][] x = new float[images.size()][];
            for (int i = 0; i < x.length; i++) {
                x[i] = decoder.decode(format(images.get(i)), Files.readAllBytes(images.get(i)), in.width(), in.height(),
                        in.channels());
            }
            int[] targets = new int[x.length];
            java.util.Arrays.fill(targets, target);
            List<ImageExplanation> results = explainer.explain(x, targets);
            List<List<CounterfactualStep>> steps = explainer.counterfactuals(x, results,
                    panelTs.stream().mapToDouble(Double::doubleValue).toArray());
            Renderer renderer = new Renderer(in);
            ExplanationPanel panel = new ExplanationPanel(loaded.metadata());
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            List<Map<String, Object>> summaries = new ArrayList<>();
            for (int i = 0; i < x.length; i++) {
                ImageExplanation e = results.get(i);
                String stem = images.get(i).getFileName().toString().replaceFirst("\\.[^.]*$", "");
                Path dir = out.resolve(stem);
                Files.createDirectories(dir);
                for (Map.Entry<String, byte[]> png : renderer.render(x[i], e).entrySet()) {
                    Files.write(dir.resolve(png.getKey()), png.getValue());
                }
                String heading = images.get(i).getFileName() + "  ·  model " + loaded.metadata().name() + " v"
                        + loaded.metadata().version();
                Files.write(dir.resolve("panel.png"), panel.png(PanelContent.of(heading, x[i], e, steps.get(i), null)));
                Map<String, Object> summary = summary(images.get(i), e, loaded);
                summary.put("counterfactuals", steps.get(i).stream().map(step -> stepSummary(step, loaded)).toList());
                json.writeValue(dir.resolve("explanation.json").toFile(), summary);
                summaries.add(summary);
                stdout.printf(Locale.ROOT, "%s: %s (%d) margin %.4f certified radius %.4f -> %s (%d) at distance %.4f,"
                        + " x_cf classified %d%s, g(x_delta) = %.2e%n", images.get(i), e.predictedName(), e.predicted(),
                        e.margin(), e.radius(), e.runnerUpName(), e.runnerUp(), e.distance(), e.counterfactualClass(),
                        e.counterfactualReachesTarget() ? "" : " (did not reach the target)", e.boundaryResidual());
            }
            Files.createDirectories(out);
            json.writeValue(out.resolve("summary.json").toFile(), summaries);
        }
        stdout.flush();
        return 0;
    }

    static Map<String, Object> summary(Path image, ImageExplanation e, OtnnModel model) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("image", image.toString());
        s.put("model", model.metadata().name());
        s.put("modelVersion", model.metadata().version());
        s.put("modelDigest", model.digest());
        s.put("scores", e.scores());
        s.put("predicted", e.predicted());
        s.put("predictedName", e.predictedName());
        s.put("target", e.runnerUp());
        s.put("targetName", e.runnerUpName());
        s.put("targeted", e.targeted());
        s.put("margin", e.margin());
        s.put("certifiedRadius", e.radius());
        s.put("certificateFactor", e.certificateFactor());
        s.put("lipschitz", e.lipschitz());
        s.put("t", e.t());
        s.put("counterfactualDistance", e.distance());
        s.put("boundaryDistance", e.boundaryDistance());
        s.put("counterfactualClass", e.counterfactualClass());
        s.put("boundaryResidual", e.boundaryResidual());
        return s;
    }

    private static Map<String, Object> stepSummary(CounterfactualStep step, OtnnModel model) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("t", step.t());
        s.put("predictedClass", step.predictedClass());
        s.put("predictedClassName", model.metadata().className(step.predictedClass()));
        s.put("distance", step.distance());
        return s;
    }

    static PixelFormat format(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".png")) return PixelFormat.PNG;
        if (name.endsWith(".jpg") || name.endsWith(".jpeg")) return PixelFormat.JPEG;
        if (name.endsWith(".f32")) return PixelFormat.RAW_F32;
        if (name.endsWith(".u8") || name.endsWith(".raw")) return PixelFormat.RAW_U8;
        throw new IllegalArgumentException(file + ": unknown image type (png, jpg, jpeg, u8, raw, f32)");
    }
}
