package io.otnn.streams.testing;

import io.otnn.avro.EpsilonFraction;
import io.otnn.avro.QuantileValue;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The figures of a metric window keyed by their level, for asserting on them. */
public final class Windows {

    private Windows() {}

    /** Quantile values keyed by the level as text ("0.5", "0.99"). */
    public static Map<String, Double> quantiles(List<QuantileValue> values) {
        Map<String, Double> map = new LinkedHashMap<>();
        values.forEach(v -> map.put(Double.toString(v.getQ()), v.getValue()));
        return map;
    }

    /** Certified fractions keyed by ε as text. */
    public static Map<String, Double> fractions(List<EpsilonFraction> values) {
        Map<String, Double> map = new LinkedHashMap<>();
        values.forEach(f -> map.put(Double.toString(f.getEpsilon()), f.getFraction()));
        return map;
    }
}
