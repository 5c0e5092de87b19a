package io.otnn.trainer;

import io.otnn.trainer.data.Dataset;
import io.otnn.trainer.export.ReloadedModel;
import java.util.Arrays;

/**
 * The evaluation figures computed again, directly, from a published checkpoint's {@code serving_default} logits on the
 * same test images (not through the trainer's {@code Evaluator} nor the {@code explain} signature): test accuracy,
 * certified radii (f_top1 − f_top2)/(c·L) or |f|/L for one logit, certified accuracy at ε, mean certificate, the
 * certificate quantiles (nearest rank below: the value at index ⌊q(n − 1)⌋ of the sorted radii), class priors and
 * predicted priors.
 */
record DirectEvaluation(
        double accuracy, double[] certificates, boolean[] correct, double[] classPriors, double[] predictedPriors) {

    static DirectEvaluation of(ReloadedModel model, Dataset test, int logits, double lipschitz, double factor) {
        int n = test.size();
        int d = test.imageSize();
        double[] certificates = new double[n];
        boolean[] correct = new boolean[n];
        double[] classPriors = new double[test.classes()];
        double[] predictedPriors = new double[test.classes()];
        int right = 0;
        for (int start = 0; start < n; start += 100) {
            int b = Math.min(100, n - start);
            float[] f = model.logits(Arrays.copyOfRange(test.images(), start * d, (start + b) * d), b);
            for (int i = 0; i < b; i++) {
                int predicted;
                if (logits == 1) {
                    predicted = f[i] > 0 ? 1 : 0;
                    certificates[start + i] = Math.abs(f[i]) / lipschitz;
                } else {
                    float[] row = Arrays.copyOfRange(f, i * logits, (i + 1) * logits);
                    predicted = 0;
                    for (int c = 1; c < logits; c++) if (row[c] > row[predicted]) predicted = c;
                    float[] sorted = row.clone();
                    Arrays.sort(sorted);
                    certificates[start + i] = (sorted[logits - 1] - sorted[logits - 2]) / (factor * lipschitz);
                }
                int label = test.labels()[start + i];
                classPriors[label] += 1.0 / n;
                predictedPriors[predicted] += 1.0 / n;
                correct[start + i] = predicted == label;
                if (predicted == label) right++;
            }
        }
        return new DirectEvaluation(right / (double) n, certificates, correct, classPriors, predictedPriors);
    }

    double certifiedAccuracy(double epsilon) {
        int c = 0;
        for (int i = 0; i < certificates.length; i++) if (correct[i] && certificates[i] >= epsilon) c++;
        return c / (double) certificates.length;
    }

    double meanCertificate() {
        return Arrays.stream(certificates).average().orElseThrow();
    }

    double certificateQuantile(double q) {
        double[] sorted = certificates.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.floor(q * (sorted.length - 1))];
    }
}
