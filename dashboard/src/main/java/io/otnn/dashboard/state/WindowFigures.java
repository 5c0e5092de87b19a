package io.otnn.dashboard.state;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * The figures of one {@code ExplanationMetrics} window, read by field name from the writer's schema, so that fields
 * added after this reader was built (drift, fidelity) show when the explainer writes them and are null otherwise.
 * Null means "not in the record" (the page shows "—").
 */
public record WindowFigures(
        String modelName,
        int modelVersion,
        long windowStart,
        long windowEnd,
        long explainedCount,
        long deadLetteredCount,
        long labelledCount,
        Double accuracy,
        double explainedPerSecond,
        Double latencyP50Ms,
        Double latencyP99Ms,
        double certificateMean,
        List<Point> certificateQuantiles,
        List<Point> certifiedFractions,
        long[] classHistogram,
        double counterfactualDistanceMean,
        double boundaryResidualMean,
        double batchSizeMean,
        Double classMixChiSquare,
        Double classMixPValue,
        Double classMixPsi,
        Double certificateKs,
        Double certificateKsPValue,
        List<String> driftAlarms,
        Integer fidelitySampleCount,
        Double muFidelity,
        Double deletionAuc) {

    /** One (level, value) pair: a quantile (q, value) or a certified fraction (epsilon, fraction). */
    public record Point(double x, double y) {}

    public static WindowFigures of(GenericRecord r) {
        long start = Fields.longValue(r, "windowStart");
        long end = Fields.longValue(r, "windowEnd");
        long explained = Fields.longValue(r, "explainedCount");
        List<Point> latencies = Fields.points(r, "latencyQuantilesMs", "q", "value");
        double seconds = (end - start) / 1000.0;
        return new WindowFigures(
                String.valueOf(r.get("modelName")),
                (int) Fields.longValue(r, "modelVersion"),
                start,
                end,
                explained,
                Fields.longValue(r, "deadLetteredCount"),
                Fields.longValue(r, "labelledCount"),
                Fields.optionalDouble(r, "accuracy"),
                seconds > 0 ? explained / seconds : 0,
                quantile(latencies, 0.5),
                quantile(latencies, 0.99),
                Fields.doubleValue(r, "certificateMean"),
                Fields.points(r, "certificateQuantiles", "q", "value"),
                Fields.points(r, "certifiedFractions", "epsilon", "fraction"),
                histogram(r),
                Fields.doubleValue(r, "counterfactualDistanceMean"),
                Fields.doubleValue(r, "boundaryResidualMean"),
                Fields.doubleValue(r, "batchSizeMean"),
                Fields.optionalDouble(r, "classMixChiSquare"),
                Fields.optionalDouble(r, "classMixPValue"),
                Fields.optionalDouble(r, "classMixPsi"),
                Fields.optionalDouble(r, "certificateKs"),
                Fields.optionalDouble(r, "certificateKsPValue"),
                strings(r, "driftAlarms"),
                r.hasField("fidelitySampleCount") && r.get("fidelitySampleCount") != null
                        ? ((Number) r.get("fidelitySampleCount")).intValue()
                        : null,
                Fields.optionalDouble(r, "muFidelity"),
                Fields.optionalDouble(r, "deletionAuc"));
    }

    /** The value at level {@code q} (within 1e-9), or null when the window does not report it. */
    static Double quantile(List<Point> points, double q) {
        for (Point p : points) {
            if (Math.abs(p.x() - q) < 1e-9) return p.y();
        }
        return null;
    }

    private static long[] histogram(GenericRecord r) {
        if (!r.hasField("classHistogram") || !(r.get("classHistogram") instanceof List<?> counts)) return new long[0];
        long[] out = new long[counts.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) counts.get(i)).longValue();
        return out;
    }

    /** The strings of an array field, or null when the schema has no such field. */
    private static List<String> strings(GenericRecord r, String name) {
        Schema.Field field = r.getSchema().getField(name);
        if (field == null) return null;
        List<String> out = new ArrayList<>();
        if (r.get(name) instanceof List<?> items) items.forEach(item -> out.add(String.valueOf(item)));
        return out;
    }
}
