package io.otnn.bench;

import io.otnn.datasets.IdxDataset;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.input.ImageDecoder;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.explaining.OtnnEngine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The same checkpoint with fp32 and with bf16 explain gradients ({@code otnn certify --gradient-precision bf16}),
 * compared in one run: the stream's full model call per image at batch 64 on one TensorFlow thread (each in a child
 * JVM, alternated {@code ROUNDS} times, medians), and on the test images the change the rounding makes: to the
 * certificates, predictions and counterfactual classes (none expected: they are computed in fp32) and to the
 * saliency (cosine and largest deviation against fp32's).
 *
 * <p>{@code GradientPrecisionBench FP32_CHECKPOINT BF16_CHECKPOINT IDX_DIR [IMAGES] [ROUNDS]}
 */
public final class GradientPrecisionBench {

    private static final int BATCH = 64;

    private GradientPrecisionBench() {}

    public static void main(String[] args) throws Exception {
        Path fp32 = Path.of(args[0]);
        Path bf16 = Path.of(args[1]);
        Path idx = Path.of(args[2]);
        int count = args.length > 3 ? Integer.parseInt(args[3]) : 1000;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 3;

        List<ImageExplanation> a;
        List<ImageExplanation> b;
        try (OtnnEngine ea = OtnnEngine.load(fp32);
                OtnnEngine eb = OtnnEngine.load(bf16)) {
            float[][] images = IdxDataset.readTestSet(idx, new ImageDecoder(ea.model()), count)
                    .images();
            a = explainAll(ea, images);
            b = explainAll(eb, images);
        }
        int certificates = 0, predictions = 0, counterfactuals = 0;
        double minCosine = 1, sumCosine = 0, worst = 0;
        for (int i = 0; i < a.size(); i++) {
            ImageExplanation x = a.get(i), y = b.get(i);
            if (x.radius() != y.radius()) certificates++;
            if (x.predicted() != y.predicted()) predictions++;
            if (x.counterfactualClass() != y.counterfactualClass()) counterfactuals++;
            double cos = cosine(x.signedGradient(), y.signedGradient());
            minCosine = Math.min(minCosine, cos);
            sumCosine += cos;
            worst = Math.max(worst, relativeDeviation(x.signedGradient(), y.signedGradient()));
        }
        System.out.printf(
                Locale.ROOT,
                "%d test images: certificates changed %d, predictions changed %d, counterfactual classes changed %d;"
                        + " saliency cosine to fp32 mean %.6f min %.6f, largest deviation %.4f of the largest entry%n",
                a.size(),
                certificates,
                predictions,
                counterfactuals,
                sumCosine / a.size(),
                minCosine,
                worst);

        double[] cpuA = new double[rounds], cpuB = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            cpuA[r] = ModelCallCost.inChildJvm(fp32, idx, BATCH, 6, 1).cpuMicros();
            cpuB[r] = ModelCallCost.inChildJvm(bf16, idx, BATCH, 6, 1).cpuMicros();
            System.out.printf(
                    Locale.ROOT, "round %d: fp32 %.1f µs, bf16 %.1f µs CPU per image%n", r + 1, cpuA[r], cpuB[r]);
        }
        double ma = median(cpuA), mb = median(cpuB);
        System.out.printf(
                Locale.ROOT,
                "model call at batch %d, one TensorFlow thread: fp32 %.1f µs, bf16 gradients %.1f µs CPU per image"
                        + " (medians of %d): bf16/fp32 = %.2f%n",
                BATCH,
                ma,
                mb,
                rounds,
                mb / ma);
    }

    private static List<ImageExplanation> explainAll(OtnnEngine engine, float[][] images) {
        List<ImageExplanation> out = new ArrayList<>();
        try (BatchExplainer explainer = engine.newExplainer()) {
            for (int from = 0; from < images.length; from += BATCH) {
                out.addAll(explainer.explain(Arrays.copyOfRange(images, from, Math.min(images.length, from + BATCH))));
            }
        }
        return out;
    }

    private static double cosine(float[] x, float[] y) {
        double xy = 0, xx = 0, yy = 0;
        for (int i = 0; i < x.length; i++) {
            xy += (double) x[i] * y[i];
            xx += (double) x[i] * x[i];
            yy += (double) y[i] * y[i];
        }
        return xy / Math.sqrt(xx * yy);
    }

    private static double relativeDeviation(float[] reference, float[] other) {
        double scale = 0, worst = 0;
        for (int i = 0; i < reference.length; i++) {
            scale = Math.max(scale, Math.abs(reference[i]));
            worst = Math.max(worst, Math.abs(reference[i] - other[i]));
        }
        return scale == 0 ? 0 : worst / scale;
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
