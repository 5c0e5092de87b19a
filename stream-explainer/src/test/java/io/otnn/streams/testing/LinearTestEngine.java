package io.otnn.streams.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import io.otnn.streams.engine.BatchExplainer;
import io.otnn.streams.engine.ExplainerException;
import io.otnn.streams.engine.ExplanationEngine;
import io.otnn.streams.engine.ImageResult;
import io.otnn.streams.engine.ModelInfo;

/**
 * A deterministic, exactly solvable stand-in for the OTNN engine in routing and window tests: a linear
 * classifier f(x) = Wx + b whose rows have norm 1/√K (so ‖W‖₂ ≤ ‖W‖_F = 1, a 1-Lipschitz vector map), for which
 * gradients, certificates and boundary points are exact.
 */
public final class LinearTestEngine implements ExplanationEngine {

    private static final double CERTIFICATE_FACTOR = Math.sqrt(2);

    private final ModelInfo model;
    private final float[][] weights;
    private final float[] bias;
    private final Predicate<float[]> poison;
    private final AtomicInteger modelCalls = new AtomicInteger();
    private final List<Integer> batchSizes = java.util.Collections.synchronizedList(new ArrayList<>());

    public LinearTestEngine(int height, int width, int channels, int classes, long seed, Predicate<float[]> poison) {
        List<String> names = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            names.add("class-" + k);
        }
        this.model = new ModelInfo("linear-test", 3, height, width, channels, 0, 1, 1 / 255.0, 0, names);
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
    public ModelInfo model() {
        return model;
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
    public ImageResult explainOne(float[] x) {
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
        return new ImageResult(scores, top, runnerUp, margin, margin / CERTIFICATE_FACTOR, CERTIFICATE_FACTOR, 1.0,
                saliency, counterfactual, cfClass, 1.1, Math.sqrt(distance), margin / Math.sqrt(gradNorm2),
                boundaryScores[top] - boundaryScores[runnerUp]);
    }

    @Override
    public BatchExplainer newExplainer() {
        return new BatchExplainer() {
            @Override
            public List<ImageResult> explain(float[][] images) {
                modelCalls.incrementAndGet();
                batchSizes.add(images.length);
                List<ImageResult> results = new ArrayList<>(images.length);
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
                int size = model.inputSize();
                float[] out = new float[n * weights.length];
                for (int i = 0; i < n; i++) {
                    float[] scores = scores(java.util.Arrays.copyOfRange(flatImages, i * size, (i + 1) * size));
                    System.arraycopy(scores, 0, out, i * weights.length, weights.length);
                }
                return out;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public void close() {
    }
}
