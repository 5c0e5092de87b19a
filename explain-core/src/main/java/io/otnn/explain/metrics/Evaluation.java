package io.otnn.explain.metrics;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.Explainer;
import io.otnn.explain.attribution.AttributionMethod;
import io.otnn.explain.attribution.GradientInput;
import io.otnn.explain.attribution.IntegratedGradients;
import io.otnn.explain.attribution.Saliency;
import io.otnn.explain.attribution.SmoothGrad;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Evaluates attribution methods on a data set for one model and fills an {@link EvaluationTable}: per method µFidelity
 * (zero, uniform), Deletion and Insertion AUC (zero, uniform), Stability, JPEG size of the map; and the normalised L2
 * distance between Saliency and |SmoothGrad|. Every explanation is for the model's predicted class. Seeded: the same
 * options give the same table.
 */
public final class Evaluation {

    /**
     * @param seed              seeds every random draw
     * @param muFidelitySamples subsets per image (Xplique default 200)
     * @param grid              µFidelity grid (20 for 28×28, paper A.4.2)
     * @param stabilityRadius   L2 ball radius (0.3 for 28×28)
     * @param stabilitySamples  neighbours per image
     * @param batch             images per attribution call
     * @param stabilityBall     L2 (paper) or L∞ neighbourhood for Stability
     */
    public record Options(
            long seed,
            int muFidelitySamples,
            int grid,
            double stabilityRadius,
            int stabilitySamples,
            int batch,
            Stability.Ball stabilityBall) {
        public static Options paperDefaults() {
            return new Options(0L, 200, 20, 0.3, 10, 32, Stability.Ball.L2);
        }
    }

    public static final List<String> METRICS = List.of(
            "µFidelity-zero",
            "µFidelity-uniform",
            "Deletion-zero",
            "Deletion-uniform",
            "Insertion-zero",
            "Insertion-uniform",
            "Stability",
            "JPEG bytes");

    private Evaluation() {}

    public static List<AttributionMethod> defaultMethods(long seed) {
        return List.of(
                new Saliency(),
                new SmoothGrad(SmoothGrad.DEFAULT_SAMPLES, SmoothGrad.DEFAULT_SIGMA, seed),
                new IntegratedGradients(),
                new GradientInput());
    }

    /**
     * @param progress receives the number of (method, image) pairs finished, out of methods × images
     */
    public static void run(
            String modelName,
            Explainer explainer,
            float[][] images,
            int[] trueLabels,
            List<AttributionMethod> methods,
            Options options,
            EvaluationTable table,
            IntConsumer progress) {
        ModelMetadata.Input input = explainer.metadata().input();
        int n = images.length;
        int[] labels = predicted(explainer, images);
        int correct = 0;
        for (int i = 0; i < n; i++) if (trueLabels != null && labels[i] == trueLabels[i]) correct++;
        if (trueLabels != null) table.put(modelName, "(model)", "accuracy", (double) correct / n);

        Scorer scorer = Scorer.of(explainer);
        float[][] saliency = null;
        float[][] smoothGrad = null;
        int finishedMethods = 0;
        for (AttributionMethod method : methods) {
            double[] sums = new double[METRICS.size()];
            for (int start = 0; start < n; start += options.batch()) {
                int end = Math.min(n, start + options.batch());
                float[][] x = Arrays.copyOfRange(images, start, end);
                int[] y = Arrays.copyOfRange(labels, start, end);
                float[][] maps = method.attribute(explainer, x, y);
                if (method instanceof Saliency) saliency = append(saliency, maps, start, n);
                if (method instanceof SmoothGrad) smoothGrad = append(smoothGrad, maps, start, n);
                long seed = options.seed();
                sums[0] +=
                        sum(new MuFidelity(input, options.grid(), 0.2, options.muFidelitySamples(), Baseline.ZERO, seed)
                                .perImage(scorer, x, y, maps));
                sums[1] += sum(
                        new MuFidelity(input, options.grid(), 0.2, options.muFidelitySamples(), Baseline.UNIFORM, seed)
                                .perImage(scorer, x, y, maps));
                sums[2] += sum(new CausalFidelity(input, CausalFidelity.Mode.DELETION, Baseline.ZERO, seed + start)
                        .perImage(scorer, x, y, maps));
                sums[3] += sum(new CausalFidelity(input, CausalFidelity.Mode.DELETION, Baseline.UNIFORM, seed + start)
                        .perImage(scorer, x, y, maps));
                sums[4] += sum(new CausalFidelity(input, CausalFidelity.Mode.INSERTION, Baseline.ZERO, seed + start)
                        .perImage(scorer, x, y, maps));
                sums[5] += sum(new CausalFidelity(input, CausalFidelity.Mode.INSERTION, Baseline.UNIFORM, seed + start)
                        .perImage(scorer, x, y, maps));
                // neighbours get fresh (seeded) noise, as Xplique's SmoothGrad draws new noise on every call
                long[] calls = {0};
                long stabilitySeed = seed * 1_000_003L + start;
                Stability.Attributor attributor = (xs, ys) ->
                        method.withSeed(stabilitySeed + 1 + calls[0]++).attribute(explainer, xs, ys);
                sums[6] += sum(new Stability(
                                input,
                                options.stabilityBall(),
                                options.stabilityRadius(),
                                options.stabilitySamples(),
                                seed)
                        .perImage(attributor, x, y, maps));
                for (float[] map : maps) {
                    sums[7] += ExplanationMetrics.jpegBytes(map, input.height(), input.width(), input.channels());
                }
                progress.accept(finishedMethods * n + end);
            }
            finishedMethods++;
            for (int m = 0; m < METRICS.size(); m++) table.put(modelName, method.name(), METRICS.get(m), sums[m] / n);
        }
        if (saliency != null && smoothGrad != null) {
            double d = 0;
            for (int i = 0; i < n; i++) {
                float[] abs = smoothGrad[i].clone();
                for (int p = 0; p < abs.length; p++) abs[p] = Math.abs(abs[p]);
                d += ExplanationMetrics.normalizedL2(saliency[i], abs);
            }
            table.put(modelName, "Saliency vs SmoothGrad", "L2 distance", d / n);
        }
    }

    /** Paper Table 11's unmasking fractions k, in percent. */
    public static final double[] NULL_BLOCK_PERCENTS = {2.5, 5, 10, 15, 20, 25, 30};

    /**
     * BlockMNIST proxy (paper Table 11): per method, the mean fraction of the top-k % pixels of |φ| in the null block,
     * as a percentage, for each k of {@link #NULL_BLOCK_PERCENTS}.
     */
    public static void nullBlock(
            String modelName,
            Explainer explainer,
            float[][] images,
            boolean[][] nullBlock,
            List<AttributionMethod> methods,
            int batch,
            EvaluationTable table,
            IntConsumer progress) {
        int[] labels = predicted(explainer, images);
        int n = images.length;
        int finishedMethods = 0;
        for (AttributionMethod method : methods) {
            double[] sums = new double[NULL_BLOCK_PERCENTS.length];
            for (int start = 0; start < n; start += batch) {
                int end = Math.min(n, start + batch);
                float[][] maps = method.attribute(
                        explainer, Arrays.copyOfRange(images, start, end), Arrays.copyOfRange(labels, start, end));
                for (int i = 0; i < maps.length; i++) {
                    for (int k = 0; k < NULL_BLOCK_PERCENTS.length; k++) {
                        sums[k] += ExplanationMetrics.nullBlockFraction(
                                maps[i], nullBlock[start + i], NULL_BLOCK_PERCENTS[k]);
                    }
                }
                progress.accept(finishedMethods * n + end);
            }
            finishedMethods++;
            for (int k = 0; k < NULL_BLOCK_PERCENTS.length; k++) {
                table.put(modelName, method.name(), "null@" + NULL_BLOCK_PERCENTS[k] + "%", 100 * sums[k] / n);
            }
        }
    }

    /** The predicted class of every image (serving_default). */
    public static int[] predicted(Explainer explainer, float[][] images) {
        int[] out = new int[images.length];
        int batch = 256;
        for (int start = 0; start < images.length; start += batch) {
            int end = Math.min(images.length, start + batch);
            float[][] x = Arrays.copyOfRange(images, start, end);
            float[][] logits = explainer.logits(x);
            float[] flat = new float[logits.length * logits[0].length];
            for (int i = 0; i < logits.length; i++)
                System.arraycopy(logits[i], 0, flat, i * logits[0].length, logits[0].length);
            for (int i = 0; i < x.length; i++) out[start + i] = explainer.classOf(flat, i);
        }
        return out;
    }

    private static float[][] append(float[][] all, float[][] maps, int start, int n) {
        float[][] out = all == null ? new float[n][] : all;
        System.arraycopy(maps, 0, out, start, maps.length);
        return out;
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s;
    }
}
