package io.otnn.bench;

import io.otnn.datasets.IdxDataset;
import io.otnn.explain.Explainer;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.attribution.Saliency;
import io.otnn.explain.attribution.SmoothGrad;
import io.otnn.explain.input.ImageDecoder;
import io.otnn.explain.render.CompactTensor;
import io.otnn.explain.testing.Fixtures;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Throughput of the explainer on the Fashion-MNIST test set.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.otnn.bench.ExplainBench [checkpoint|dense-fixture] [data-dir] [images]
 * </pre>
 *
 * For each batch size: the {@code explain} call alone, the {@code serving_default} forward pass alone, and the full
 * explanation (explain + self-check forward + compact encodings of saliency and counterfactual); then SmoothGrad (50
 * samples) against Saliency. Reports the median batch latency over the passes and images/s over the whole set, and
 * the FLOP/s at batch 64 against this machine's MatMul peak through TensorFlow.
 */
public final class ExplainBench {

    public static void main(String[] args) throws Exception {
        String which = args.length > 0 ? args[0] : "dense-fixture";
        Path data = Path.of(args.length > 1 ? args[1] : "/work/shared/data/fashion-mnist");
        int limit = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        Path checkpoint = which.equals("dense-fixture") ? Fixtures.denseMnist() : Path.of(which);
        try (OtnnModel model = OtnnModel.load(checkpoint);
                Explainer explainer = model.newExplainer()) {
            IdxDataset set = IdxDataset.readTestSet(data, new ImageDecoder(model.metadata()), limit);
            float[][] images = set.images();
            int size = model.metadata().input().size();
            int[] shape = model.metadata().input().shape().stream()
                    .mapToInt(Integer::intValue)
                    .toArray();
            System.out.printf(
                    Locale.ROOT,
                    "model %s (%s), %d images, %d cores%n",
                    model.metadata().name(),
                    checkpoint,
                    images.length,
                    Runtime.getRuntime().availableProcessors());
            System.out.println(
                    "| batch | explain ms (median) | explain img/s | forward ms | forward img/s | explain/forward"
                            + " | full ms | full img/s |");
            System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            double explainAt64 = Double.NaN;
            double fullAt64 = Double.NaN;
            for (int batch : new int[] {1, 8, 32, 64, 128}) {
                int batches = Math.min(images.length / batch, batch == 1 ? 2000 : 10_000 / batch);
                float[][] flats = new float[batches][];
                for (int b = 0; b < batches; b++) {
                    flats[b] = new float[batch * size];
                    for (int i = 0; i < batch; i++)
                        System.arraycopy(images[b * batch + i], 0, flats[b], i * size, size);
                }
                // warm-up of all three calls: the full explanation runs another signature (explain_checked)
                for (int b = 0; b < Math.min(batches, 50); b++) {
                    explainer.explainRaw(flats[b], batch);
                    explainer.logits(flats[b], batch);
                    explainer.explain(Arrays.copyOfRange(images, b * batch, (b + 1) * batch));
                }
                double[] explainMs = time(batches, b -> explainer.explainRaw(flats[b], batch));
                double[] forwardMs = time(batches, b -> explainer.logits(flats[b], batch));
                final int n = batch;
                double[] fullMs = time(batches, b -> {
                    float[][] x = Arrays.copyOfRange(images, b * n, (b + 1) * n);
                    List<ImageExplanation> out = explainer.explain(x);
                    for (ImageExplanation e : out) {
                        CompactTensor.encode(e.saliency(), shape);
                        CompactTensor.encode(e.counterfactual(), shape);
                    }
                });
                if (batch == 64) {
                    explainAt64 = rate(explainMs, batch);
                    fullAt64 = rate(fullMs, batch);
                }
                System.out.printf(
                        Locale.ROOT,
                        "| %d | %.3f | %.0f | %.3f | %.0f | %.2f | %.3f | %.0f |%n",
                        batch,
                        median(explainMs),
                        rate(explainMs, batch),
                        median(forwardMs),
                        rate(forwardMs, batch),
                        median(explainMs) / median(forwardMs),
                        median(fullMs),
                        rate(fullMs, batch));
            }
            printAgainstPeak(model, explainAt64, fullAt64);
            int n = Math.min(256, images.length);
            float[][] x = Arrays.copyOf(images, n);
            int[] labels = new int[n];
            Saliency saliency = new Saliency();
            SmoothGrad smoothGrad = new SmoothGrad();
            saliency.attribute(explainer, x, labels);
            smoothGrad.attribute(explainer, Arrays.copyOf(x, 32), Arrays.copyOf(labels, 32));
            long t0 = System.nanoTime();
            for (int r = 0; r < 5; r++) saliency.attribute(explainer, x, labels);
            double salMs = (System.nanoTime() - t0) / 1e6 / 5;
            t0 = System.nanoTime();
            smoothGrad.attribute(explainer, x, labels);
            double sgMs = (System.nanoTime() - t0) / 1e6;
            System.out.printf(
                    Locale.ROOT,
                    "Saliency on %d images: %.1f ms; SmoothGrad (50 samples): %.1f ms; ratio %.1f%n",
                    n,
                    salMs,
                    sgMs,
                    sgMs / salMs);
        }
    }

    /**
     * The explain call's and the full explanation's FLOP/s at batch 64 as fractions of this machine's fp32 MatMul
     * peak through TensorFlow ({@link MachinePeak}), with the FLOP per image counted from the architecture
     * ({@link ModelFlops}: explain = 3 forward passes, the self-check 2 more).
     */
    private static void printAgainstPeak(OtnnModel model, double explainRate, double fullRate) {
        var forward = ModelFlops.forward(model.metadata());
        MachinePeak.Peak peak = MachinePeak.measure();
        if (forward.isEmpty()) {
            System.out.println("machine peak " + peak + "; the FLOP of this architecture are not counted");
            return;
        }
        double f = forward.getAsDouble();
        System.out.printf(
                Locale.ROOT,
                "machine peak %s; batch 64: explain %.2f MFLOP per image × %,.0f images/s = %.1f GFLOP/s = %.0f %% "
                        + "of the peak (target >= 50 %%); full explanation (explain + self-check, %.2f MFLOP per "
                        + "image) × %,.0f images/s = %.1f GFLOP/s = %.0f %% of the peak%n",
                peak,
                3 * f / 1e6,
                explainRate,
                3 * f * explainRate / 1e9,
                100 * 3 * f * explainRate / peak.flops(),
                5 * f / 1e6,
                fullRate,
                5 * f * fullRate / 1e9,
                100 * 5 * f * fullRate / peak.flops());
    }

    interface Body {
        void run(int batchIndex) throws Exception;
    }

    static double[] time(int batches, Body body) throws Exception {
        double[] ms = new double[batches];
        for (int b = 0; b < batches; b++) {
            long t0 = System.nanoTime();
            body.run(b);
            ms[b] = (System.nanoTime() - t0) / 1e6;
        }
        return ms;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static double rate(double[] ms, int batch) {
        return ms.length * batch / (Arrays.stream(ms).sum() / 1000.0);
    }
}
