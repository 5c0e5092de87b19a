package io.otnn.explain.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The paper's Table 1 layout: attribution methods × metrics, the models side by side under each metric. Values are
 * means over the evaluated images; NaN prints as "–" (a metric that does not apply to a method).
 */
public final class EvaluationTable {

    /** model → method → metric → value, in insertion order. */
    private final Map<String, Map<String, Map<String, Double>>> values = new LinkedHashMap<>();

    private final Map<String, Object> info = new LinkedHashMap<>();

    public void put(String model, String method, String metric, double value) {
        values.computeIfAbsent(model, m -> new LinkedHashMap<>())
                .computeIfAbsent(method, m -> new LinkedHashMap<>())
                .put(metric, value);
    }

    public double get(String model, String method, String metric) {
        return values.getOrDefault(model, Map.of())
                .getOrDefault(method, Map.of())
                .getOrDefault(metric, Double.NaN);
    }

    public void info(String key, Object value) {
        info.put(key, value);
    }

    public List<String> models() {
        return new ArrayList<>(values.keySet());
    }

    public String toMarkdown() {
        Set<String> methods = new LinkedHashSet<>();
        Set<String> metrics = new LinkedHashSet<>();
        values.values()
                .forEach(byMethod -> byMethod.forEach((method, byMetric) -> {
                    methods.add(method);
                    metrics.addAll(byMetric.keySet());
                }));
        List<String> models = models();
        StringBuilder out = new StringBuilder("| method |");
        StringBuilder rule = new StringBuilder("| --- |");
        for (String metric : metrics) {
            for (String model : models) {
                out.append(' ')
                        .append(metric)
                        .append(models.size() > 1 ? " [" + model + "]" : "")
                        .append(" |");
                rule.append(" ---: |");
            }
        }
        out.append('\n').append(rule).append('\n');
        for (String method : methods) {
            out.append("| ").append(method).append(" |");
            for (String metric : metrics) {
                for (String model : models)
                    out.append(' ').append(format(get(model, method, metric))).append(" |");
            }
            out.append('\n');
        }
        return out.toString();
    }

    public String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("info", info);
        root.put("values", values);
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String format(double v) {
        if (Double.isNaN(v)) return "–";
        double a = Math.abs(v);
        return a != 0 && (a < 1e-2 || a >= 1e4)
                ? String.format(Locale.ROOT, "%.2e", v)
                : String.format(Locale.ROOT, "%.3f", v);
    }
}
