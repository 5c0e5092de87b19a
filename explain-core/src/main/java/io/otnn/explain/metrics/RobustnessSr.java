package io.otnn.explain.metrics;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.Explainer;
import io.otnn.explain.RawOutputs;
import io.otnn.explain.attribution.ClassGradients;
import java.util.Arrays;

/**
 * Robustness-S_r (Hsieh et al. 2021; paper A.4.2 and Table 9, ↓ better): the smallest L2 perturbation that changes the
 * predicted class when only the top-K pixels of the explanation may move (δ_ū = 0), for K = 5 %, 10 %, …, 45 % of the
 * pixels (the fractions of Hsieh et al.'s evaluation curve); the image's value is the area under that curve, as the
 * trapezoidal mean over the fractions (in input-norm units, comparable across methods of one model, not across models).
 *
 * <p>Pixels are ranked by |φ| (channel mean; ties by pixel index); all channels of a chosen pixel may move. The
 * minimal perturbation is found by DeepFool restricted to the set (Moosavi-Dezfooli et al. 2016), batched over images
 * and fractions: at x_t, with g = f_c − f_j against the runner-up j at x_t (the {@code explain} signature's margin and
 * its gradient), the step is −g·∇_u g / ‖∇_u g‖², the accumulated perturbation is scaled by 1 + overshoot and the point
 * clipped to the input range; the distance is ‖x_t − x‖₂ at the first t whose class differs from c. Hsieh et al. search
 * the radius of a PGD attack by bisection instead; for a 1-Lipschitz network, whose margin is close to linear, DeepFool
 * reaches the restricted boundary in a few steps. An attack that has not succeeded after {@code maxSteps} (or whose
 * restricted gradient vanishes) counts ‖x‖₂, the cap Hsieh et al.'s code gives an unbounded search.
 */
public final class RobustnessSr {

    /** Hsieh et al.'s fractions of the pixels the attack may move: 5 %, 10 %, …, 45 %. */
    public static final double[] FRACTIONS = {0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45};

    public static final double DEFAULT_OVERSHOOT = 0.02;
    public static final int DEFAULT_MAX_STEPS = 20;

    /** The margin g = f_c − f_j against the runner-up j and ∇g, at {@code n} flattened points. */
    @FunctionalInterface
    public interface MarginOracle {
        /**
         * @param classes the class c each point must leave
         * @return per point: its argmax, g and ∇g (g toward the runner-up while the argmax is c)
         */
        Margins at(float[] points, int n, int[] classes);
    }

    /**
     * @param predicted the model's class of each point
     * @param margin    f_c − max_{j≠c} f_j (binary: f·sign(c))
     * @param gradient  ∇ of that margin, flattened like the points
     */
    public record Margins(int[] predicted, float[] margin, float[] gradient) {}

    /**
     * The margin oracle of a checkpoint: its {@code explain} signature (logits, ∇(f_top1 − f_top2)), in chunks of
     * {@link ClassGradients#CHUNK} points.
     */
    public static MarginOracle of(Explainer explainer) {
        ModelMetadata metadata = explainer.metadata();
        int size = metadata.input().size();
        int k = metadata.logitCount();
        boolean binary = metadata.task() == ModelMetadata.Task.BINARY;
        return (points, n, classes) -> {
            int[] predicted = new int[n];
            float[] margin = new float[n];
            float[] gradient = new float[n * size];
            for (int start = 0; start < n; start += ClassGradients.CHUNK) {
                int m = Math.min(ClassGradients.CHUNK, n - start);
                RawOutputs raw = explainer.explainRaw(Arrays.copyOfRange(points, start * size, (start + m) * size), m);
                for (int i = 0; i < m; i++) {
                    int row = start + i;
                    predicted[row] = explainer.classOf(raw.logits(), i);
                    if (binary) {
                        float sign = classes[row] == 1 ? 1f : -1f;
                        margin[row] = sign * raw.logits()[i];
                        for (int q = 0; q < size; q++) gradient[row * size + q] = sign * raw.gradTop1()[i * size + q];
                    } else {
                        float top = raw.logit(i, predicted[row]);
                        float second = Float.NEGATIVE_INFINITY;
                        for (int j = 0; j < k; j++) {
                            if (j != predicted[row]) second = Math.max(second, raw.logit(i, j));
                        }
                        margin[row] = top - second;
                        System.arraycopy(raw.gradMargin(), i * size, gradient, row * size, size);
                    }
                }
            }
            return new Margins(predicted, margin, gradient);
        };
    }

    private final ModelMetadata.Input input;
    private final double overshoot;
    private final int maxSteps;

    public RobustnessSr(ModelMetadata.Input input) {
        this(input, DEFAULT_OVERSHOOT, DEFAULT_MAX_STEPS);
    }

    public RobustnessSr(ModelMetadata.Input input, double overshoot, int maxSteps) {
        if (!(overshoot >= 0)) throw new IllegalArgumentException("overshoot must be >= 0, got " + overshoot);
        if (maxSteps < 1) throw new IllegalArgumentException("maxSteps must be >= 1, got " + maxSteps);
        this.input = input;
        this.overshoot = overshoot;
        this.maxSteps = maxSteps;
    }

    /** The AUC of each image. */
    public double[] perImage(MarginOracle oracle, float[][] images, int[] classes, float[][] attributions) {
        return perImage(oracle, images, classes, attributions, null);
    }

    /**
     * As {@link #perImage(MarginOracle, float[][], int[], float[][])}, with the oracle's answer at the images
     * themselves already known ({@link #atImages}; null: asked here): every fraction's attack, and that of every
     * attribution method, starts from the same point.
     */
    public double[] perImage(
            MarginOracle oracle, float[][] images, int[] classes, float[][] attributions, Margins atImages) {
        double[][] curves = curves(oracle, images, classes, attributions, atImages);
        double[] out = new double[images.length];
        for (int i = 0; i < images.length; i++) out[i] = auc(curves[i]);
        return out;
    }

    /** The oracle at the images themselves, one row each: the start of every attack on them. */
    public Margins atImages(MarginOracle oracle, float[][] images, int[] classes) {
        int size = input.size();
        float[] flat = new float[images.length * size];
        for (int i = 0; i < images.length; i++) System.arraycopy(images[i], 0, flat, i * size, size);
        return oracle.at(flat, images.length, classes);
    }

    /** Trapezoidal mean of a curve sampled at evenly spaced fractions. */
    public static double auc(double[] curve) {
        double s = 0;
        for (int k = 0; k + 1 < curve.length; k++) s += (curve[k] + curve[k + 1]) / 2;
        return s / (curve.length - 1);
    }

    /** The top-⌊K·pixels⌋ pixels by |φ| (channel mean), for each fraction K: {@code [fraction][pixel]}. */
    public boolean[][] relevantSets(float[] attribution) {
        int pixels = input.height() * input.width();
        int c = input.channels();
        double[] importance = new double[pixels];
        for (int p = 0; p < pixels; p++) {
            for (int k = 0; k < c; k++) importance[p] += Math.abs(attribution[p * c + k]) / c;
        }
        Integer[] order = new Integer[pixels];
        for (int p = 0; p < pixels; p++) order[p] = p;
        Arrays.sort(order, (a, b) -> Double.compare(importance[b], importance[a]));
        boolean[][] out = new boolean[FRACTIONS.length][pixels];
        for (int f = 0; f < FRACTIONS.length; f++) {
            int top = (int) Math.floor(pixels * FRACTIONS[f] + 1e-9);
            for (int r = 0; r < top; r++) out[f][order[r]] = true;
        }
        return out;
    }

    /** The restricted minimal distance of each image at each fraction: {@code [image][fraction]}. */
    public double[][] curves(MarginOracle oracle, float[][] images, int[] classes, float[][] attributions) {
        return curves(oracle, images, classes, attributions, null);
    }

    /**
     * As {@link #curves(MarginOracle, float[][], int[], float[][])}, the first step read from {@code atImages} (null:
     * asked once per image, not once per fraction). A row whose every movable coordinate is clipped in the direction
     * of its step stops there: its point can never move again, so the attack cannot succeed and it counts the cap,
     * as after {@code maxSteps}.
     */
    public double[][] curves(
            MarginOracle oracle, float[][] images, int[] classes, float[][] attributions, Margins atImages) {
        int n = images.length;
        int fractions = FRACTIONS.length;
        int size = input.size();
        int c = input.channels();
        int rows = n * fractions;
        float[] x0 = new float[rows * size];
        boolean[][] allowed = new boolean[rows][];
        int[] target = new int[rows];
        double[] cap = new double[n];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (float v : images[i]) norm += (double) v * v;
            cap[i] = Math.sqrt(norm);
            boolean[][] sets = relevantSets(attributions[i]);
            for (int f = 0; f < fractions; f++) {
                int row = i * fractions + f;
                System.arraycopy(images[i], 0, x0, row * size, size);
                allowed[row] = sets[f];
                target[row] = classes[i];
            }
        }
        double[] distance = new double[rows];
        Arrays.fill(distance, Double.NaN);
        double[] accumulated = new double[rows * size]; // Σ of the DeepFool steps, unscaled
        float[] current = x0.clone();
        int[] active = new int[rows];
        for (int r = 0; r < rows; r++) active[r] = r;
        int activeCount = rows;
        float min = (float) input.min();
        float max = (float) input.max();
        for (int step = 0; step <= maxSteps && activeCount > 0; step++) {
            Margins m;
            if (step == 0) {
                m = atImages != null ? atImages : atImages(oracle, images, classes);
            } else {
                float[] points = new float[activeCount * size];
                int[] wanted = new int[activeCount];
                for (int a = 0; a < activeCount; a++) {
                    System.arraycopy(current, active[a] * size, points, a * size, size);
                    wanted[a] = target[active[a]];
                }
                m = oracle.at(points, activeCount, wanted);
            }
            int kept = 0;
            for (int a0 = 0; a0 < activeCount; a0++) {
                int r = active[a0];
                // at step 0 every row of image i reads the image's one answer
                int a = step == 0 ? r / fractions : a0;
                if (m.predicted()[a] != target[r]) {
                    double d = 0;
                    for (int q = 0; q < size; q++) {
                        double v = current[r * size + q] - x0[r * size + q];
                        d += v * v;
                    }
                    distance[r] = Math.sqrt(d);
                    continue;
                }
                if (step == maxSteps) continue;
                double g = m.margin()[a];
                double norm2 = 0;
                for (int p = 0; p < size / c; p++) {
                    if (!allowed[r][p]) continue;
                    for (int k = 0; k < c; k++) {
                        double v = m.gradient()[a * size + p * c + k];
                        norm2 += v * v;
                    }
                }
                if (norm2 == 0 || Double.isNaN(g)) continue; // cannot move: capped below
                double scale = (Math.abs(g) + 1e-6) / norm2;
                boolean stuck = true;
                for (int p = 0; p < size / c; p++) {
                    if (!allowed[r][p]) continue;
                    for (int k = 0; k < c; k++) {
                        int q = p * c + k;
                        float gq = m.gradient()[a * size + q];
                        accumulated[r * size + q] -= scale * gq;
                        float next = (float) (x0[r * size + q] + (1 + overshoot) * accumulated[r * size + q]);
                        float clipped = Math.min(max, Math.max(min, next));
                        // clipped where the step pushes (−g): the next steps push the same way, it stays there
                        if (gq != 0
                                && !((gq > 0 && next < min && current[r * size + q] == min)
                                        || (gq < 0 && next > max && current[r * size + q] == max))) {
                            stuck = false;
                        }
                        current[r * size + q] = clipped;
                    }
                }
                if (stuck) continue; // capped below
                active[kept++] = r;
            }
            activeCount = kept;
        }
        double[][] out = new double[n][fractions];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < fractions; f++) {
                double d = distance[i * fractions + f];
                out[i][f] = Double.isNaN(d) ? cap[i] : d;
            }
        }
        return out;
    }
}
