package io.otnn.dashboard.state;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;

/**
 * Reads the fields of a record by name from the writer's schema, so that a record written with fewer or more fields
 * than this reader knows still shows what it has: a missing field reads as null (or 0, or an empty list).
 */
final class Fields {

    private Fields() {}

    static String string(GenericRecord r, String name) {
        Object v = r.hasField(name) ? r.get(name) : null;
        return v == null ? null : v.toString();
    }

    static long longValue(GenericRecord r, String name) {
        Long v = optionalLong(r, name);
        return v == null ? 0 : v;
    }

    static Long optionalLong(GenericRecord r, String name) {
        Object v = r.hasField(name) ? r.get(name) : null;
        if (v instanceof Number n) return n.longValue();
        if (v instanceof Instant i) return i.toEpochMilli();
        return null;
    }

    static Integer optionalInt(GenericRecord r, String name) {
        Long v = optionalLong(r, name);
        return v == null ? null : v.intValue();
    }

    static double doubleValue(GenericRecord r, String name) {
        Double v = optionalDouble(r, name);
        return v == null ? Double.NaN : v;
    }

    static Double optionalDouble(GenericRecord r, String name) {
        Object v = r.hasField(name) ? r.get(name) : null;
        return v instanceof Number n ? n.doubleValue() : null;
    }

    /** An array of records with two numeric fields {@code x} and {@code y}, e.g. quantiles (q, value). */
    static List<WindowFigures.Point> points(GenericRecord r, String name, String x, String y) {
        List<WindowFigures.Point> out = new ArrayList<>();
        if (r.hasField(name) && r.get(name) instanceof List<?> items) {
            for (Object item : items) {
                if (item instanceof GenericRecord p && p.get(x) instanceof Number a && p.get(y) instanceof Number b) {
                    out.add(new WindowFigures.Point(a.doubleValue(), b.doubleValue()));
                }
            }
        }
        return out;
    }
}
