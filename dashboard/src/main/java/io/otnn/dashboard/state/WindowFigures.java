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
        long start = longField(r, "windowStart");
        long end = longField(r, "windowEnd");
        long explained = longField(r, "explainedCount");
        List<Point> latencies = points(r, "latencyQuantilesMs", "q", "value");
        double seconds = (end - start) / 1000.0;
        return new WindowFigures(
                String.valueOf(r.get("modelName")),
                (int) longField(r, "modelVersion"),
                start,
                end,
                explained,
                longField(r, "deadLetteredCount"),
                longField(r, "labelledCount"),
                optionalDouble(r, "accuracy"),
                seconds > 0 ? explained / seconds : 0,
                quantile(latencies, 0.5),
                quantile(latencies, 0.99),
                doubleField(r, "certificateMean"),
                points(r, "certificateQuantiles", "q", "value"),
                points(r, "certifiedFractions", "epsilon", "fraction"),
                histogram(r),
                doubleField(r, "counterfactualDistanceMean"),
                doubleField(r, "boundaryResidualMean"),
                doubleField(r, "batchSizeMean"),
                optionalDouble(r, "classMixChiSquare"),
                optionalDouble(r, "classMixPValue"),
                optionalDouble(r, "classMixPsi"),
                optionalDouble(r, "certificateKs"),
                optionalDouble(r, "certificateKsPValue"),
                strings(r, "driftAlarms"),
                r.hasField("fidelitySampleCount") && r.get("fidelitySampleCount") != null
                        ? ((Number) r.get("fidelitySampleCount")).intValue()
                        : null,
                optionalDouble(r, "muFidelity"),
                optionalDouble(r, "deletionAuc"));
    }

    /** The value at level {@code q} (within 1e-9), or null when the window does not report it. */
    static Double quantile(List<Point> points, double q) {
        for (Point p : points) {
            if (Math.abs(p.x() - q) < 1e-9) return p.y();
        }
        return null;
    }

    private static long longField(GenericRecord r, String name) {
        Object v = r.hasField(name) ? r.get(name) : null;
        if (v instanceof Number n) return n.longValue();
        if (v instanceof java.time.Instant i) return i.toEpochMilli();
        return 0;
    }

    private static double doubleField(GenericRecord r, String name) {
        Double v = optionalDouble(r, name);
        return v == null ? Double.NaN : v;
    }

    private static Double optionalDouble(GenericRecord r, String name) {
        Object v = r.hasField(name) ? r.get(name) : null;
        return v instanceof Number n ? n.doubleValue() : null;
    }

    private static List<Point> points(GenericRecord r, String name, String x, String y) {
        List<Point> out = new ArrayList<>();
        if (r.hasField(name) && r.get(name) instanceof List<?> items) {
            for (Object item : items) {
                if (item instanceof GenericRecord p && p.get(x) instanceof Number a && p.get(y) instanceof Number b) {
                    out.add(new Point(a.doubleValue(), b.doubleValue()));
                }
            }
        }
        return out;
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
