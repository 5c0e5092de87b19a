package io.otnn.streams.drift;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference statistics of one model version, read from its checkpoint's {@code reference} object
 * (docs/checkpoint-format.md): the predicted-class counts or priors on the test set, and the certificate sample.
 * Each part is optional: a checkpoint written before it existed has none, and the figures that need it are null.
 *
 * @param predictedClassCounts predicted-class counts on the test set, or null
 * @param predictedClassPriors predicted-class proportions on the test set, or null
 * @param certificates         the grid of the certificate sample, or null
 */
public record DriftReference(long[] predictedClassCounts, double[] predictedClassPriors, CertificateGrid certificates) {

    public static final DriftReference NONE = new DriftReference(null, null, null);

    /** Reads the {@code reference} object of {@code otnn-model.json}; a missing, null or malformed part is absent. */
    public static DriftReference fromMetadata(JsonNode reference) {
        if (reference == null || !reference.isObject()) {
            return NONE;
        }
        long[] counts = null;
        double[] countsAsDoubles = numbers(reference.get("predictedClassCounts"));
        if (countsAsDoubles != null) {
            counts = new long[countsAsDoubles.length];
            for (int i = 0; i < counts.length; i++) {
                if (countsAsDoubles[i] < 0 || countsAsDoubles[i] != Math.rint(countsAsDoubles[i])) {
                    counts = null;
                    break;
                }
                counts[i] = (long) countsAsDoubles[i];
            }
        }
        double[] priors = numbers(reference.get("predictedClassPriors"));
        double[] sample = numbers(reference.get("certificateSample"));
        return new DriftReference(counts, priors, sample == null ? null : CertificateGrid.of(sample));
    }

    /** The reference's predicted-class proportions: from the counts when there are any, else the priors. */
    public double[] proportions() {
        if (predictedClassCounts != null && sum(predictedClassCounts) > 0) {
            return ClassMix.proportions(predictedClassCounts);
        }
        return predictedClassPriors;
    }

    public boolean hasClassMix() {
        return proportions() != null;
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }

    /** A non-empty array of finite non-negative numbers, else null. */
    private static double[] numbers(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            return null;
        }
        List<Double> values = new ArrayList<>();
        for (JsonNode v : node) {
            if (!v.isNumber() || !Double.isFinite(v.asDouble()) || v.asDouble() < 0) {
                return null;
            }
            values.add(v.asDouble());
        }
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
