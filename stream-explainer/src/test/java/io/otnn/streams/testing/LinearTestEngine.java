package io.otnn.streams.testing;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.ImageExplanation;
import io.otnn.streams.drift.DriftReference;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.explaining.ExplainerException;
import io.otnn.streams.explaining.ExplanationEngine;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A deterministic, exactly solvable stand-in for the OTNN engine in routing and window tests: a linear
 * classifier f(x) = Wx + b whose rows have norm 1/√K (so ‖W‖₂ ≤ ‖W‖_F = 1, a 1-Lipschitz vector map), for which
 * gradients, certificates and boundary points are exact.
 */
public final class LinearTestEngine implements ExplanationEngine {

    private static final double CERTIFICATE_FACTOR = Math.sqrt(2);

    private final ModelMetadata model;
    private final float[][] weights;
    private final float[] bias;
    private final Predicate<float[]> poison;
    private final AtomicInteger modelCalls = new AtomicInteger();
    private final List<Integer> batchSizes = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile DriftReference driftReference = DriftReference.NONE;
    private volatile long callMillis;

    public LinearTestEngine(int height, int width, int channels, int classes, long seed, Predicate<float[]> poison) {
        List<String> names = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            names.add("class-" + k);
        }
        this.model = new ModelMetadata(
                ModelMetadata.FORMAT_VERSION,
                "linear-test",
                3,
                Instant.EPOCH,
                ModelMetadata.Task.MULTICLASS,
                names,
                ModelMetadata.Input.unitRange(height, width, channels),
                1.0,
                CERTIFICATE_FACTOR,
                null,
                null,
                null,
                null,
                null);
        Random random = new Random(seed);
        int n = height * width * channels;
        weights = new float[classes][n];
        bias = new float[classes];
        for (int k = 0; k < classes; k++) {
            double norm = 0;
            for (int i = 0; i < n; i++) {
                weights[k][i] = (float) random.nextGaussian();
                norm += weights[k][i] * weights[k][i];
            }
            double scale = 1 / Math.sqrt(norm * classes);
            for (int i = 0; i < n; i++) {
                weights[k][i] *= (float) scale;
            }
            bias[k] = (float) (random.nextGaussian() * 0.05);
        }
        this.poison = poison;
    }

    public static LinearTestEngine small() {
        return new LinearTestEngine(4, 4, 1, 3, 7, pixels -> false);
    }

    @Override
    public ModelMetadata model() {
        return model;
    }

    /** The reference statistics the topology's drift figures use (none unless set). */
    public LinearTestEngine withDriftReference(DriftReference reference) {
        this.driftReference = reference;
        return this;
    }

    /** Makes every model call last at least {@code millis}, as a real model's does. */
    public LinearTestEngine withCallMillis(long millis) {
        this.callMillis = millis;
        return this;
    }

    @Override
    public DriftReference driftReference() {
        return driftReference;
    }

    public int modelCalls() {
        return modelCalls.get();
    }

    public List<Integer> batchSizes() {
        return List.copyOf(batchSizes);
    }

    public float[] scores(float[] x) {
        float[] scores = new float[weights.length];
        for (int k = 0; k < weights.length; k++) {
            double s = bias[k];
            for (int i = 0; i < x.length; i++) {
                s += weights[k][i] * x[i];
            }
            scores[k] = (float) s;
        }
        return scores;
    }

    /** The engine's answer for one image, as the stream must reproduce it. */
    public ImageExplanation explainOne(float[] x) {
        float[] scores = scores(x);
        int top = 0;
        for (int k = 1; k < scores.length; k++) {
            if (scores[k] > scores[top]) {
                top = k;
            }
        }
        int runnerUp = top == 0 ? 1 : 0;
        for (int k = 0; k < scores.length; k++) {
            if (k != top && scores[k] > scores[runnerUp]) {
                runnerUp = k;
            }
        }
        double margin = scores[top] - scores[runnerUp];
        float[] saliency = new float[x.length];
        float[] gradient = new float[x.length];
        double gradNorm2 = 0;
        for (int i = 0; i < x.length; i++) {
            saliency[i] = Math.abs(weights[top][i]);
            gradient[i] = weights[top][i] - weights[runnerUp][i];
            gradNorm2 += gradient[i] * gradient[i];
        }
        float[] boundary = new float[x.length];
        float[] counterfactual = new float[x.length];
        double distance = 0;
        for (int i = 0; i < x.length; i++) {
            double step = margin * gradient[i] / gradNorm2;
            boundary[i] = (float) (x[i] - step);
            counterfactual[i] = (float) Math.max(0, Math.min(1, x[i] - 1.1 * step));
            distance += (counterfactual[i] - x[i]) * (counterfactual[i] - x[i]);
        }
        float[] boundaryScores = scores(boundary);
        float[] cfScores = scores(counterfactual);
        int cfClass = 0;
        for (int k = 1; k < cfScores.length; k++) {
            if (cfScores[k] > cfScores[cfClass]) {
                cfClass = k;
            }
        }
        return new ImageExplanation(
                scores,
                top,
                model.className(top),
                runnerUp,
                model.className(runnerUp),
                false,
                margin,
                margin / CERTIFICATE_FACTOR,
                CERTIFICATE_FACTOR,
                1.0,
                saliency,
                weights[top].clone(),
                boundary,
                counterfactual,
                1.1,
                Math.sqrt(distance),
                margin / Math.sqrt(gradNorm2),
                cfClass,
                boundaryScores[top] - boundaryScores[runnerUp]);
    }

    @Override
    public BatchExplainer newExplainer() {
        return new BatchExplainer() {
            @Override
            public List<ImageExplanation> explain(float[][] images) {
                modelCalls.incrementAndGet();
                batchSizes.add(images.length);
                if (callMillis > 0) {
                    try {
                        Thread.sleep(callMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new ExplainerException("interrupted");
                    }
                }
                List<ImageExplanation> results = new ArrayList<>(images.length);
                for (float[] image : images) {
                    if (poison.test(image)) {
                        throw new ExplainerException("poisonous image");
                    }
                    results.add(explainOne(image));
                }
                return results;
            }

            @Override
            public float[] logits(float[] flatImages, int n) {
                int size = model.input().size();
                float[] out = new float[n * weights.length];
                for (int i = 0; i < n; i++) {
                    float[] scores = scores(java.util.Arrays.copyOfRange(flatImages, i * size, (i + 1) * size));
                    System.arraycopy(scores, 0, out, i * weights.length, weights.length);
                }
                return out;
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public void close() {}
}
