package io.otnn.cli.demo;

import io.otnn.avro.Counterfactual;
import io.otnn.avro.Explanation;
import io.otnn.dashboard.render.ExplanationImages;
import io.otnn.explain.CounterfactualStep;
import io.otnn.explain.Explainer;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.render.ExplanationPanel;
import io.otnn.explain.render.PanelContent;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what an auditor looks at for a few explanations: one labelled {@code panel.png} ({@link ExplanationPanel})
 * and an {@code explanation.txt}. The panel is drawn from the {@code Explanation} record itself (what a downstream
 * consumer sees: class, label, certificate, saliency, and the counterfactual at the stream's t with the class the
 * stream's self-check gave). The record carries one counterfactual only, so the counterfactuals at the other step
 * factors are computed here, with an engine of our own on the same checkpoint: the image is explained toward the
 * record's target and x_cf(t) re-evaluated for each t in one model call.
 */
final class ExplanationPictures implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ExplanationPictures.class);
    /** Two step factors closer than this are the same column. */
    private static final double SAME_T = 1e-9;

    private final Path out;
    private final int max;
    private final Path checkpoint;
    private final Map<String, float[]> originals;
    private final double[] ts;
    private OtnnModel model;
    private Explainer explainer;
    private ExplanationPanel panel;
    private int written;

    /**
     * @param checkpoint the checkpoint the stream explainer runs, loaded on the first picture
     * @param ts         the step factors to show (the record's own t is always shown)
     */
    ExplanationPictures(Path out, int max, Path checkpoint, Map<String, float[]> originals, double... ts) {
        this.out = out;
        this.max = max;
        this.checkpoint = checkpoint;
        this.originals = originals;
        this.ts = ts.clone();
    }

    /** Writes the pictures of {@code explanation} if fewer than {@code max} were written; returns its folder or null. */
    Path maybeWrite(Explanation explanation) throws IOException {
        float[] image = originals.get(explanation.getImageId());
        if (written >= max || image == null) {
            return null;
        }
        load();
        Counterfactual own = explanation.getCounterfactual();
        CounterfactualStep recorded = new CounterfactualStep(
                own.getT(), ExplanationImages.decode(own.getImage()), own.getPredictedClass(), own.getDistance());
        List<CounterfactualStep> steps = new ArrayList<>();
        steps.add(recorded);
        double[] others =
                Arrays.stream(ts).filter(t -> Math.abs(t - own.getT()) > SAME_T).toArray();
        if (others.length > 0) {
            ImageExplanation e = explainer
                    .explain(new float[][] {image}, new int[] {own.getTargetClass()})
                    .get(0);
            if (e.predicted() != explanation.getPredictedClass()) {
                LOG.warn(
                        "{}: our engine predicts {} where the record says {}",
                        explanation.getImageId(),
                        e.predicted(),
                        explanation.getPredictedClass());
            }
            steps.addAll(explainer
                    .counterfactuals(new float[][] {image}, List.of(e), others)
                    .get(0));
        }
        steps.sort(Comparator.comparingDouble(CounterfactualStep::t));

        Path dir = out.resolve(String.format(
                Locale.ROOT,
                "%02d-%s-to-%s",
                ++written,
                slug(explanation.getPredictedClassName()),
                slug(own.getTargetClassName())));
        Files.createDirectories(dir);
        String heading = explanation.getImageId() + "  ·  model " + explanation.getModelName() + " v"
                + explanation.getModelVersion() + "  ·  counterfactual at t = "
                + BigDecimal.valueOf(own.getT()).stripTrailingZeros().toPlainString()
                + " from the record, the other t re-computed";
        PanelContent content = new PanelContent(
                heading,
                image,
                explanation.getPredictedClass(),
                explanation.getLabel(),
                explanation.getCertificate().getRadius(),
                ExplanationImages.decode(explanation.getSaliency()),
                own.getTargetClass(),
                steps,
                recorded);
        Files.write(dir.resolve("panel.png"), panel.png(content));
        Files.writeString(dir.resolve("explanation.txt"), text(explanation, steps));
        return dir;
    }

    private void load() {
        if (model == null) {
            model = OtnnModel.load(checkpoint);
            explainer = model.newExplainer();
            panel = new ExplanationPanel(model.metadata());
        }
    }

    private String text(Explanation explanation, List<CounterfactualStep> steps) {
        Counterfactual own = explanation.getCounterfactual();
        StringBuilder s = new StringBuilder(String.format(
                Locale.ROOT,
                "image %s%nclass %s (%d), label %s, runner-up %s (%d)%ncertified L2 radius %.4f (c = %.4f, L = %.4f)%n"
                        + "counterfactual toward %s at t = %.2f: L2 distance %.4f, model says %d, residual g(x_delta) = %.5f%n",
                explanation.getImageId(),
                explanation.getPredictedClassName(),
                explanation.getPredictedClass(),
                explanation.getLabel() == null ? "unknown" : model.metadata().className(explanation.getLabel()),
                explanation.getRunnerUpClassName(),
                explanation.getRunnerUpClass(),
                explanation.getCertificate().getRadius(),
                explanation.getCertificate().getFactor(),
                explanation.getCertificate().getLipschitz(),
                own.getTargetClassName(),
                own.getT(),
                own.getDistance(),
                own.getPredictedClass(),
                own.getBoundaryResidual()));
        for (CounterfactualStep step : steps) {
            s.append(String.format(
                    Locale.ROOT,
                    "x_cf at t = %s: model says %s (%d), L2 distance %.4f%s%n",
                    step.t(),
                    model.metadata().className(step.predictedClass()),
                    step.predictedClass(),
                    step.distance(),
                    Math.abs(step.t() - own.getT()) <= SAME_T ? " (from the record)" : " (re-computed by the demo)"));
        }
        return s.toString();
    }

    int written() {
        return written;
    }

    @Override
    public void close() {
        if (explainer != null) explainer.close();
        if (model != null) model.close();
    }

    private static String slug(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }
}
