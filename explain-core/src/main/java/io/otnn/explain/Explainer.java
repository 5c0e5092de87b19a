package io.otnn.explain;

import io.otnn.checkpoint.Certificate;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.engine.SavedModelRunner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Explains batches of images with one call of the {@code explain_checked} signature when the checkpoint has it and no
 * target is requested, which computes the explanation and its self-check in one session run; else with one call of
 * {@code explain} (plus {@code explain_to} for images with a requested target) and one {@code serving_default} pass
 * over the boundary points and counterfactuals, which checks the explanation. Not thread-safe: one per thread ({@link OtnnModel#newExplainer()} is cheap).
 */
public final class Explainer implements AutoCloseable {

    /**
     * Default step factor of the counterfactual. With t = 2, x_cf is x reflected across the (locally linear) decision
     * boundary: g(x_cf) ≈ −g(x), so the counterfactual is as far inside class j as x is inside k*, while staying on
     * the transport direction the paper's Proposition 1 gives (|t| ≥ |f(x)|); t = 1 would stop at the boundary.
     */
    public static final double DEFAULT_T = 2.0;

    private final ModelMetadata metadata;
    private final SavedModelRunner.Session session;
    private final int size;
    private final int classes;
    private final boolean binary;
    private final float min;
    private final float max;
    private double t = DEFAULT_T;
    private boolean useChecked = true;

    Explainer(ModelMetadata metadata, SavedModelRunner.Session session) {
        this.metadata = metadata;
        this.session = session;
        this.size = metadata.input().size();
        this.classes = metadata.logitCount();
        this.binary = metadata.task() == ModelMetadata.Task.BINARY;
        this.min = (float) metadata.input().min();
        this.max = (float) metadata.input().max();
    }

    /** Sets the counterfactual step factor t (&gt; 1). */
    public Explainer withT(double newT) {
        if (!(newT > 1.0) || Double.isInfinite(newT)) {
            throw new IllegalArgumentException("t must be finite and > 1 (t = 1 is the boundary point), got " + newT);
        }
        this.t = newT;
        return this;
    }

    public double t() {
        return t;
    }

    public ModelMetadata metadata() {
        return metadata;
    }

    /** Explains each image toward its runner-up class. */
    public List<ImageExplanation> explain(float[][] images) {
        return explain(images, null);
    }

    /**
     * Explains each image toward {@code targets[i]}, or toward its runner-up where {@code targets} is null or the
     * entry is −1. With no target requested and a checkpoint that has {@code explain_checked}, one session run
     * computes the explanation and its self-check; otherwise {@code explain} (and {@code explain_to} for the targeted
     * images) and a {@code serving_default} pass over the boundary points and counterfactuals.
     */
    public List<ImageExplanation> explain(float[][] images, int[] targets) {
        int n = images.length;
        if (n == 0) return List.of();
        if (targets != null && targets.length != n) {
            throw new IllegalArgumentException(n + " images but " + targets.length + " targets");
        }
        boolean anyTarget = false;
        int labels = binary ? 2 : classes;
        for (int i = 0; targets != null && i < n; i++) {
            int want = targets[i];
            if (want == -1) continue;
            if (want < 0 || want >= labels) {
                throw new IllegalArgumentException(
                        "target " + want + " of image " + i + " is not a class in [0, " + labels + ")");
            }
            anyTarget = true;
        }
        float[] flat = flatten(images);
        if (!anyTarget && useChecked && session.has(SavedModelRunner.EXPLAIN_CHECKED)) return explainChecked(flat, n);
        return explainInTwoCalls(flat, n, anyTarget ? targets : null);
    }

    /**
     * Whether {@link #explain} may use the checkpoint's {@code explain_checked} signature (default true; it is used
     * only when the checkpoint has it). False forces the two-call path, to compare the two.
     */
    public Explainer withExplainChecked(boolean use) {
        this.useChecked = use;
        return this;
    }

    /** Whether the checkpoint exports the optional {@code explain_checked} signature. */
    public boolean hasExplainChecked() {
        return session.has(SavedModelRunner.EXPLAIN_CHECKED);
    }

    private List<ImageExplanation> explainChecked(float[] flat, int n) {
        SavedModelRunner.CheckedOutputs out = session.explainChecked(flat, n, t);
        float[] logits = out.logits();
        int[] ranked = new int[2];
        List<ImageExplanation> explanations = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ranks(logits, i, ranked);
            int pred = ranked[0];
            int j = ranked[1];
            float[] signed = out.gradTop1()[i];
            double g;
            double radius;
            double residual;
            if (binary) {
                float f = logits[i];
                if (pred == 0) for (int p = 0; p < size; p++) signed[p] = -signed[p];
                g = Math.abs(f);
                radius = Certificate.binaryRadius(f, metadata.lipschitzConstant());
                residual = pred == 1 ? out.boundaryLogits()[i] : -out.boundaryLogits()[i];
            } else {
                g = logits[i * classes + pred] - logits[i * classes + j];
                radius = Certificate.radius(g, metadata.certificateFactor(), metadata.lipschitzConstant());
                residual = out.boundaryLogits()[i * classes + pred] - out.boundaryLogits()[i * classes + j];
            }
            explanations.add(explanation(
                    flat,
                    i,
                    Arrays.copyOfRange(logits, i * classes, (i + 1) * classes),
                    pred,
                    j,
                    false,
                    g,
                    radius,
                    signed,
                    out.boundary()[i],
                    out.counterfactual()[i],
                    classOf(out.counterfactualLogits(), i),
                    residual));
        }
        return explanations;
    }

    private List<ImageExplanation> explainInTwoCalls(float[] flat, int n, int[] targets) {
        RawOutputs raw = explainRaw(flat, n);
        float[] logits = raw.logits();
        int[] pred = new int[n];
        int[] second = new int[n];
        int[] j = new int[n];
        int[] ranked = new int[2];
        int targetedCount = 0;
        for (int i = 0; i < n; i++) {
            ranks(logits, i, ranked);
            pred[i] = ranked[0];
            second[i] = ranked[1];
            boolean targeted = targets != null && targets[i] != -1;
            if (targeted) targetedCount++;
            j[i] = targeted ? targets[i] : second[i];
        }

        // the margin gradient toward requested targets: explain_to on the targeted images only (binary: ±∇f suffices)
        float[] gradMargin = raw.gradMargin();
        if (targetedCount > 0 && !binary) {
            float[] sub = new float[targetedCount * size];
            int[] subTargets = new int[targetedCount];
            int[] rows = new int[targetedCount];
            for (int i = 0, r = 0; i < n; i++) {
                if (targets[i] == -1) continue;
                System.arraycopy(flat, i * size, sub, r * size, size);
                subTargets[r] = j[i];
                rows[r++] = i;
            }
            SavedModelRunner.Gradients to = session.explainTo(sub, targetedCount, subTargets);
            gradMargin = gradMargin.clone();
            for (int r = 0; r < targetedCount; r++) {
                System.arraycopy(to.gradMargin(), r * size, gradMargin, rows[r] * size, size);
            }
        }

        double[] g = new double[n];
        double[] radius = new double[n];
        float[][] signed = new float[n][];
        float[] probes = new float[2 * n * size]; // boundary points, then counterfactuals
        for (int i = 0; i < n; i++) {
            int base = i * size;
            signed[i] = Arrays.copyOfRange(raw.gradTop1(), base, base + size);
            float[] gradG; // ∇g of image i, read from offset gradBase
            int gradBase;
            if (binary) {
                float f = logits[i];
                if (pred[i] == 0) for (int p = 0; p < size; p++) signed[i][p] = -signed[i][p];
                g[i] = j[i] == pred[i] ? 0.0 : Math.abs(f);
                gradG = signed[i];
                gradBase = 0;
                radius[i] = Certificate.binaryRadius(f, metadata.lipschitzConstant());
            } else {
                g[i] = logits[i * classes + pred[i]] - logits[i * classes + j[i]];
                gradG = gradMargin;
                gradBase = base;
                double runnerUpMargin = logits[i * classes + pred[i]] - logits[i * classes + second[i]];
                radius[i] =
                        Certificate.radius(runnerUpMargin, metadata.certificateFactor(), metadata.lipschitzConstant());
            }
            double norm2 = 0;
            for (int p = 0; p < size; p++) norm2 += (double) gradG[gradBase + p] * gradG[gradBase + p];
            double scale = norm2 > 0 && g[i] != 0 ? g[i] / norm2 : 0.0;
            int cf = (n + i) * size;
            for (int p = 0; p < size; p++) {
                float x = flat[base + p];
                double step = scale * gradG[gradBase + p];
                probes[base + p] = (float) (x - step);
                probes[cf + p] = Math.min(max, Math.max(min, (float) (x - t * step)));
            }
        }

        float[] check = session.logits(probes, 2 * n);
        List<ImageExplanation> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double residual = binary
                    ? (pred[i] == 1 ? check[i] : -check[i])
                    : check[i * classes + pred[i]] - check[i * classes + j[i]];
            out.add(explanation(
                    flat,
                    i,
                    Arrays.copyOfRange(logits, i * classes, (i + 1) * classes),
                    pred[i],
                    j[i],
                    targets != null && targets[i] != -1,
                    g[i],
                    radius[i],
                    signed[i],
                    Arrays.copyOfRange(probes, i * size, (i + 1) * size),
                    Arrays.copyOfRange(probes, (n + i) * size, (n + i + 1) * size),
                    classOf(check, n + i),
                    residual));
        }
        return out;
    }

    /** The record of image {@code i} of {@code flat}: the saliency and both distances in one pass over the pixels. */
    private ImageExplanation explanation(
            float[] flat,
            int i,
            float[] scores,
            int pred,
            int j,
            boolean targeted,
            double g,
            double radius,
            float[] signed,
            float[] boundary,
            float[] counterfactual,
            int counterfactualClass,
            double residual) {
        float[] saliency = new float[size];
        double distance = 0;
        double boundaryDistance = 0;
        int base = i * size;
        for (int p = 0; p < size; p++) {
            saliency[p] = Math.abs(signed[p]);
            float x = flat[base + p];
            float dc = counterfactual[p] - x;
            float db = boundary[p] - x;
            distance += dc * dc;
            boundaryDistance += db * db;
        }
        return new ImageExplanation(
                scores,
                pred,
                metadata.className(pred),
                j,
                metadata.className(j),
                targeted,
                g,
                radius,
                metadata.certificateFactor(),
                metadata.lipschitzConstant(),
                saliency,
                signed,
                boundary,
                counterfactual,
                t,
                Math.sqrt(distance),
                Math.sqrt(boundaryDistance),
                counterfactualClass,
                residual);
    }

    /**
     * The counterfactuals of {@code explanations} at each step factor of {@code ts}, with the class the model gives
     * each, in one {@code serving_default} call over {@code images.length × ts.length} points. x_cf(t) is taken on the
     * direction each explanation already holds, x_cf(t) = clip(x + t·(x_δ − x)) with its unclipped boundary point x_δ
     * = x − g·∇g/‖∇g‖², so t = {@code e.t()} gives back {@code e.counterfactual()} (to float rounding).
     *
     * @param images       the explained images, in the order of {@code explanations}
     * @param explanations their explanations (from {@link #explain})
     * @param ts           step factors, each finite and &gt; 0 (1 is the boundary point)
     * @return per image, one step per entry of {@code ts}, in that order
     */
    public List<List<CounterfactualStep>> counterfactuals(
            float[][] images, List<ImageExplanation> explanations, double... ts) {
        if (images.length != explanations.size()) {
            throw new IllegalArgumentException(images.length + " images but " + explanations.size() + " explanations");
        }
        if (ts.length == 0) throw new IllegalArgumentException("no step factor t given");
        for (double step : ts) {
            if (!(step > 0) || Double.isInfinite(step)) {
                throw new IllegalArgumentException("each t must be finite and > 0, got " + step);
            }
        }
        int n = images.length;
        if (n == 0) return List.of();
        float[] flat = flatten(images);
        float[] points = new float[n * ts.length * size];
        for (int i = 0; i < n; i++) {
            float[] boundary = explanations.get(i).boundaryPoint();
            for (int s = 0; s < ts.length; s++) {
                int row = (i * ts.length + s) * size;
                for (int p = 0; p < size; p++) {
                    float x = flat[i * size + p];
                    points[row + p] = Math.min(max, Math.max(min, (float) (x + ts[s] * ((double) boundary[p] - x))));
                }
            }
        }
        float[] logits = session.logits(points, n * ts.length);
        List<List<CounterfactualStep>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            List<CounterfactualStep> steps = new ArrayList<>(ts.length);
            for (int s = 0; s < ts.length; s++) {
                int row = i * ts.length + s;
                float[] image = Arrays.copyOfRange(points, row * size, (row + 1) * size);
                double distance = 0;
                for (int p = 0; p < size; p++) {
                    double d = image[p] - flat[i * size + p];
                    distance += d * d;
                }
                steps.add(new CounterfactualStep(ts[s], image, classOf(logits, row), Math.sqrt(distance)));
            }
            out.add(steps);
        }
        return out;
    }

    /** {@code serving_default} on a batch: the logits, one row per image. */
    public float[][] logits(float[][] images) {
        float[] flat = logits(flatten(images), images.length);
        float[][] out = new float[images.length][];
        for (int i = 0; i < images.length; i++) out[i] = Arrays.copyOfRange(flat, i * classes, (i + 1) * classes);
        return out;
    }

    /** {@code serving_default} on {@code n} flattened images: logits {@code [n, K]} row-major. */
    public float[] logits(float[] flatImages, int n) {
        return session.logits(flatImages, n);
    }

    /** One {@code explain} call on {@code n} flattened images. */
    public RawOutputs explainRaw(float[] flatImages, int n) {
        SavedModelRunner.Gradients out = session.explain(flatImages, n);
        return new RawOutputs(n, classes, size, out.logits(), out.gradTop1(), out.gradMargin());
    }

    /** One {@code explain_to} call: the margin gradient is taken against {@code targets[i]}. */
    public RawOutputs explainToRaw(float[] flatImages, int n, int[] targets) {
        SavedModelRunner.Gradients out = session.explainTo(flatImages, n, targets);
        return new RawOutputs(n, classes, size, out.logits(), out.gradTop1(), out.gradMargin());
    }

    /** Whether the checkpoint exports the optional {@code gradcam} signature. */
    public boolean hasGradCam() {
        return session.has(SavedModelRunner.GRADCAM);
    }

    /**
     * One {@code gradcam} call: the Grad-CAM map {@code [n, H, W]} of class {@code targets[i]} (binary models: the
     * signature's own convention for the one logit).
     *
     * @throws ModelException when the checkpoint has no {@code gradcam} signature
     */
    public SavedModelRunner.GradCamOutputs gradCamRaw(float[] flatImages, int n, int[] targets) {
        if (!hasGradCam()) {
            throw new ModelException("the checkpoint '" + metadata.name() + "' has no 'gradcam' signature");
        }
        return session.gradCam(flatImages, n, targets);
    }

    /** The class of row {@code i} of a logits array: argmax, or f &gt; 0 for a binary model. */
    public int classOf(float[] logits, int i) {
        if (binary) return logits[i] > 0 ? 1 : 0;
        int best = 0;
        for (int k = 1; k < classes; k++) {
            if (logits[i * classes + k] > logits[i * classes + best]) best = k;
        }
        return best;
    }

    /** The top class and the runner-up of row {@code i} into {@code out[0]}, {@code out[1]} (ties: lower index first). */
    private void ranks(float[] logits, int i, int[] out) {
        if (binary) {
            out[0] = logits[i] > 0 ? 1 : 0;
            out[1] = 1 - out[0];
            return;
        }
        int best = -1;
        int next = -1;
        for (int k = 0; k < classes; k++) {
            float v = logits[i * classes + k];
            if (best < 0 || v > logits[i * classes + best]) {
                next = best;
                best = k;
            } else if (next < 0 || v > logits[i * classes + next]) {
                next = k;
            }
        }
        out[0] = best;
        out[1] = next;
    }

    private float[] flatten(float[][] images) {
        float[] flat = new float[images.length * size];
        for (int i = 0; i < images.length; i++) {
            if (images[i] == null || images[i].length != size) {
                throw new IllegalArgumentException("image " + i + " has " + (images[i] == null ? 0 : images[i].length)
                        + " values, the model takes " + metadata.input().shape() + " = " + size);
            }
            System.arraycopy(images[i], 0, flat, i * size, size);
        }
        return flat;
    }

    @Override
    public void close() {
        session.close();
    }
}
