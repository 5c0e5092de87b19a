package io.otnn.explain.files;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.CounterfactualStep;
import io.otnn.explain.Explainer;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.input.ImageDecoder;
import io.otnn.explain.render.ExplanationPanel;
import io.otnn.explain.render.PanelContent;
import io.otnn.explain.render.Renderer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Explains image files with a loaded checkpoint and writes, per image, a folder named after the file: the single maps
 * at the input's size, one labelled {@code panel.png} and {@code explanation.json}; and {@code summary.json} of all
 * images. What {@code otnn explain-image} does once its options are read.
 *
 * @param target  the class to explain toward, or -1 for the runner-up
 * @param t       the counterfactual step factor t &gt; 1 of each explanation
 * @param panelTs the step factors t &gt; 0 of the counterfactuals drawn in {@code panel.png}, each re-evaluated
 */
public record ImageFileExplainer(int target, double t, double[] panelTs) {

    /** One explained file and where its pictures went. */
    public record Result(Path image, ImageExplanation explanation, Path folder) {}

    public ImageFileExplainer {
        for (double step : panelTs) {
            if (!(step > 0) || Double.isInfinite(step)) {
                throw new IllegalArgumentException("counterfactual step factors must be finite and > 0, got " + step);
            }
        }
        panelTs = panelTs.clone();
    }

    /**
     * @throws IllegalArgumentException when a file's type is unknown ({@link ImageFiles#format}) or its pixels do not
     *                                  fit the model's input
     */
    public List<Result> explain(OtnnModel model, List<Path> images, Path out) throws IOException {
        ModelMetadata.Input in = model.metadata().input();
        ImageDecoder decoder = new ImageDecoder(model.metadata());
        float[][] x = new float[images.size()][];
        for (int i = 0; i < x.length; i++) {
            x[i] = decoder.decode(
                    ImageFiles.format(images.get(i)),
                    Files.readAllBytes(images.get(i)),
                    in.width(),
                    in.height(),
                    in.channels());
        }
        int[] targets = new int[x.length];
        Arrays.fill(targets, target);
        List<Result> done = new ArrayList<>();
        try (Explainer explainer = model.newExplainer().withT(t)) {
            List<ImageExplanation> results = explainer.explain(x, targets);
            List<List<CounterfactualStep>> steps = explainer.counterfactuals(x, results, panelTs);
            Renderer renderer = new Renderer(in);
            ExplanationPanel panel = new ExplanationPanel(model.metadata());
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
                String heading = images.get(i).getFileName() + "  ·  model "
                        + model.metadata().name() + " v" + model.metadata().version();
                Files.write(dir.resolve("panel.png"), panel.png(PanelContent.of(heading, x[i], e, steps.get(i), null)));
                Map<String, Object> summary = summary(images.get(i), e, model);
                summary.put(
                        "counterfactuals",
                        steps.get(i).stream()
                                .map(step -> stepSummary(step, model))
                                .toList());
                json.writeValue(dir.resolve("explanation.json").toFile(), summary);
                summaries.add(summary);
                done.add(new Result(images.get(i), e, dir));
            }
            Files.createDirectories(out);
            json.writeValue(out.resolve("summary.json").toFile(), summaries);
        }
        return done;
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
}
