package io.otnn.bench;

import io.otnn.datasets.IdxDataset;
import io.otnn.explain.Explainer;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.RawOutputs;
import io.otnn.explain.input.ImageDecoder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Checks a (trained) checkpoint against independent computations on real test images (a main, not a unit test: it needs
 * a trainer checkpoint and the data set):
 * the {@code explain} gradient of f_top1 and of the margin against central finite differences of
 * {@code serving_default}, and the explanation's self-check statistics (‖∇f‖, |g(x_δ)|, x_cf reaching j, certificate
 * vs the distance to the counterfactual).
 *
 * <pre>java … io.otnn.explain.bench.CheckpointCheck CHECKPOINT DATA_DIR [images]</pre>
 */
public final class CheckpointCheck {

    public static void main(String[] args) throws Exception {
        Path checkpoint = Path.of(args[0]);
        Path data = Path.of(args[1]);
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        try (OtnnModel model = OtnnModel.load(checkpoint);
                Explainer explainer = model.newExplainer()) {
            IdxDataset set = IdxDataset.readTestSet(data, new ImageDecoder(model.metadata()), n);
            int size = model.metadata().input().size();
            int k = model.metadata().logitCount();
            // 1. finite differences on 5 images, every coordinate, eps = 1e-3, in float32 through serving_default
            double eps = args.length > 3 ? Double.parseDouble(args[3]) : 1e-2;
            double worstTop1 = 0;
            double worstMargin = 0;
            for (int img = 0; img < 5; img++) {
                float[] x = set.images()[img];
                RawOutputs raw = explainer.explainRaw(x, 1);
                float[] logits = raw.logits();
                int[] order = top2(logits, k);
                float[] probes = new float[2 * size * size];
                for (int p = 0; p < size; p++) {
                    System.arraycopy(x, 0, probes, 2 * p * size, size);
                    System.arraycopy(x, 0, probes, (2 * p + 1) * size, size);
                    probes[2 * p * size + p] += (float) eps;
                    probes[(2 * p + 1) * size + p] -= (float) eps;
                }
                float[] f = new float[2 * size * k];
                for (int start = 0; start < 2 * size; start += 256) {
                    int m = Math.min(256, 2 * size - start);
                    float[] out = explainer.logits(Arrays.copyOfRange(probes, start * size, (start + m) * size), m);
                    System.arraycopy(out, 0, f, start * k, m * k);
                }
                double e1 = 0, n1 = 0, e2 = 0, n2 = 0;
                for (int p = 0; p < size; p++) {
                    int plus = 2 * p * k;
                    int minus = (2 * p + 1) * k;
                    double d1 = (f[plus + order[0]] - f[minus + order[0]]) / (2 * eps);
                    double d2 = k == 1 ? d1 : d1 - (f[plus + order[1]] - f[minus + order[1]]) / (2 * eps);
                    e1 += Math.pow(d1 - raw.gradTop1()[p], 2);
                    n1 += Math.pow(raw.gradTop1()[p], 2);
                    e2 += Math.pow(d2 - raw.gradMargin()[p], 2);
                    n2 += Math.pow(raw.gradMargin()[p], 2);
                }
                worstTop1 = Math.max(worstTop1, Math.sqrt(e1 / n1));
                worstMargin = Math.max(worstMargin, Math.sqrt(e2 / n2));
            }
            System.out.printf(
                    Locale.ROOT,
                    "finite differences per coordinate (5 images, eps %.0e): relative L2 error"
                            + " grad_top1 %.2e, grad_margin %.2e%n",
                    eps,
                    worstTop1,
                    worstMargin);
            // directional derivatives: along ∇f/‖∇f‖ and 20 random unit directions, error relative to ‖∇f‖
            java.util.Random random = new java.util.Random(1);
            double h = 1e-3;
            double worstDirectional = 0;
            for (int img = 0; img < 20; img++) {
                float[] x = set.images()[img];
                RawOutputs raw = explainer.explainRaw(x, 1);
                int top = top2(raw.logits(), k)[0];
                double gn = 0;
                for (float v : raw.gradTop1()) gn += v * v;
                gn = Math.sqrt(gn);
                float[] probes = new float[42 * size];
                double[] expected = new double[21];
                for (int d = 0; d < 21; d++) {
                    double[] u = new double[size];
                    double un = 0;
                    for (int p = 0; p < size; p++) {
                        u[p] = d == 0 ? raw.gradTop1()[p] : random.nextGaussian();
                        un += u[p] * u[p];
                    }
                    un = Math.sqrt(un);
                    for (int p = 0; p < size; p++) {
                        u[p] /= un;
                        expected[d] += raw.gradTop1()[p] * u[p];
                        probes[2 * d * size + p] = (float) (x[p] + h * u[p]);
                        probes[(2 * d + 1) * size + p] = (float) (x[p] - h * u[p]);
                    }
                }
                float[] f = explainer.logits(probes, 42);
                for (int d = 0; d < 21; d++) {
                    double fd = (f[2 * d * k + top] - f[(2 * d + 1) * k + top]) / (2 * h);
                    worstDirectional = Math.max(worstDirectional, Math.abs(fd - expected[d]) / gn);
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "finite differences along 21 directions (20 images, h %.0e): max |fd - grad.u|"
                            + " / ||grad|| = %.2e%n",
                    h,
                    worstDirectional);
            // 2. self-check statistics
            int reached = 0;
            int correct = 0;
            double residual = 0, gradNorm = 0, gradNormMin = Double.MAX_VALUE, gradNormMax = 0, radius = 0, ratio = 0;
            int counted = 0;
            for (int start = 0; start < set.images().length; start += 64) {
                int end = Math.min(set.images().length, start + 64);
                List<ImageExplanation> out = explainer.explain(Arrays.copyOfRange(set.images(), start, end));
                for (int i = 0; i < out.size(); i++) {
                    ImageExplanation e = out.get(i);
                    if (e.counterfactualReachesTarget()) reached++;
                    if (e.predicted() == set.labels()[start + i]) correct++;
                    residual += Math.abs(e.boundaryResidual());
                    double norm = 0;
                    for (float v : e.signedGradient()) norm += v * v;
                    norm = Math.sqrt(norm);
                    gradNorm += norm;
                    gradNormMin = Math.min(gradNormMin, norm);
                    gradNormMax = Math.max(gradNormMax, norm);
                    radius += e.radius();
                    if (e.boundaryDistance() > 0) {
                        ratio += e.radius() / e.boundaryDistance();
                        counted++;
                    }
                }
            }
            int total = set.images().length;
            System.out.printf(
                    Locale.ROOT,
                    "%d images: accuracy %.4f, x_cf in target class %.4f, mean |g(x_delta)| %.4f,"
                            + " ||grad f_top1|| min/mean/max %.3f/%.3f/%.3f, mean radius %.4f, mean radius/||x_delta - x|| %.3f%n",
                    total,
                    (double) correct / total,
                    (double) reached / total,
                    residual / total,
                    gradNormMin,
                    gradNorm / total,
                    gradNormMax,
                    radius / total,
                    ratio / Math.max(1, counted));
        }
    }

    static int[] top2(float[] logits, int k) {
        if (k == 1) return new int[] {0, 0};
        int a = 0;
        for (int i = 1; i < k; i++) if (logits[i] > logits[a]) a = i;
        int b = a == 0 ? 1 : 0;
        for (int i = 0; i < k; i++) if (i != a && logits[i] > logits[b]) b = i;
        return new int[] {a, b};
    }
}
