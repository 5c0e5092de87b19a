package io.otnn.trainer.eval;

import io.otnn.checkpoint.Certificate;
import io.otnn.trainer.data.Dataset;
import java.util.Arrays;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Test accuracy, certificates and gradient norms of a model, computed from its logits and explain gradients.
 * Certified radius: {@link Certificate} ((f_k* − f_j) / (c·L) with j the runner-up, binary |f| / L).
 */
public final class Evaluator {

    public static final int DEFAULT_BATCH = 256;

    private Evaluator() {}

    public static RobustnessEvaluation evaluate(
            ModelRunner model, Dataset test, double lipschitz, double certificateFactor, boolean boundary) {
        int n = test.size();
        int d = test.imageSize();
        int k = model.logitCount();
        int correct = 0;
        double[] certs = new double[n];
        boolean[] ok = new boolean[n];
        double gMin = Double.POSITIVE_INFINITY, gMax = 0, gSum = 0, marginMax = 0, residualSum = 0;
        double[] predicted = new double[test.classes()];
        for (int start = 0; start < n; start += DEFAULT_BATCH) {
            int b = Math.min(DEFAULT_BATCH, n - start);
            float[] x = Arrays.copyOfRange(test.images(), start * d, (start + b) * d);
            ModelRunner.Outputs out = model.explain(x, b);
            float[] xDelta = boundary ? new float[b * d] : null;
            for (int i = 0; i < b; i++) {
                int label = test.labels()[start + i];
                int pred;
                double cert;
                if (k == 1) {
                    float f = out.logits()[i];
                    pred = f > 0 ? 1 : 0;
                    cert = Certificate.binaryRadius(f, lipschitz);
                    if (boundary) {
                        for (int j = 0; j < d; j++) xDelta[i * d + j] = x[i * d + j] - f * out.gradTop1()[i * d + j];
                    }
                } else {
                    int top = 0, second = -1;
                    for (int c = 1; c < k; c++) if (out.logits()[i * k + c] > out.logits()[i * k + top]) top = c;
                    for (int c = 0; c < k; c++) {
                        if (c != top && (second < 0 || out.logits()[i * k + c] > out.logits()[i * k + second]))
                            second = c;
                    }
                    pred = top;
                    cert = Certificate.radius(
                            out.logits()[i * k + top] - out.logits()[i * k + second], certificateFactor, lipschitz);
                }
                predicted[pred] += 1.0 / n;
                certs[start + i] = cert;
                ok[start + i] = pred == label;
                if (pred == label) correct++;
                double g = norm(out.gradTop1(), i * d, d);
                gMin = Math.min(gMin, g);
                gMax = Math.max(gMax, g);
                gSum += g;
                marginMax = Math.max(marginMax, norm(out.gradMargin(), i * d, d));
            }
            if (boundary) {
                float[] fDelta = model.logits(xDelta, b);
                for (int i = 0; i < b; i++) residualSum += Math.abs(fDelta[i]);
            }
        }
        SortedMap<Double, Double> certified = new TreeMap<>();
        for (double eps : RobustnessEvaluation.EPSILONS) {
            int c = 0;
            for (int i = 0; i < n; i++) if (ok[i] && certs[i] >= eps) c++;
            certified.put(eps, c / (double) n);
        }
        double[] sorted = certs.clone();
        Arrays.sort(sorted);
        SortedMap<Double, Double> quantiles = new TreeMap<>();
        for (double q : new double[] {0.1, 0.25, 0.5, 0.75, 0.9}) {
            quantiles.put(q, sorted[Math.min(n - 1, (int) Math.floor(q * (n - 1)))]);
        }
        return new RobustnessEvaluation(
                n,
                correct / (double) n,
                certified,
                Arrays.stream(certs).average().orElse(0),
                new double[] {gMin, gSum / n, gMax},
                marginMax,
                boundary ? residualSum / n : Double.NaN,
                test.classPriors(),
                predicted,
                quantiles,
                CertificateSample.draw(certs));
    }

    static double norm(float[] v, int offset, int length) {
        double s = 0;
        for (int i = offset; i < offset + length; i++) s += (double) v[i] * v[i];
        return Math.sqrt(s);
    }
}
