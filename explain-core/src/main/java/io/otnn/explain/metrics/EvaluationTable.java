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
 * The evaluation's figures: model → method → metric → value (means over the evaluated images), which methods a model
 * could not be explained with and why, free-form information (data, n, seed, definitions), and the seconds each part
 * of a model's evaluation took. {@link #toMarkdown} prints one table per metric, as the paper's tables: methods down,
 * models across; NaN prints as "–" (a metric that does not apply), an unavailable method as "n/a" with its reason
 * under the table. The seconds are kept apart from the figures ({@link #timingsMarkdown}, the JSON's {@code seconds}):
 * the figures are reproducible, the seconds are not.
 */
public final class EvaluationTable {

    /** model → method → metric → value, in insertion order. */
    private final Map<String, Map<String, Map<String, Double>>> values = new LinkedHashMap<>();

    /** model → method → why it cannot be evaluated. */
    private final Map<String, Map<String, String>> unavailable = new LinkedHashMap<>();

    /** model → part → seconds. */
    private final Map<String, Map<String, Double>> seconds = new LinkedHashMap<>();
    /** model → part → CPU seconds of the whole process (every thread, TensorFlow's included). */
    private final Map<String, Map<String, Double>> cpuSeconds = new LinkedHashMap<>();

    private final Map<String, Object> info = new LinkedHashMap<>();

    public void put(String model, String method, String metric, double value) {
        values.computeIfAbsent(model, m -> new LinkedHashMap<>())
                .computeIfAbsent(method, m -> new LinkedHashMap<>())
                .put(metric, value);
    }

    /** The mean of {@code metric} for {@code method} on {@code model}; NaN when absent or unavailable. */
    public double get(String model, String method, String metric) {
        return values.getOrDefault(model, Map.of())
                .getOrDefault(method, Map.of())
                .getOrDefault(metric, Double.NaN);
    }

    /** Marks {@code method} as not applicable to {@code model} (e.g. Grad-CAM without a {@code gradcam} signature). */
    public void unavailable(String model, String method, String reason) {
        values.computeIfAbsent(model, m -> new LinkedHashMap<>()).computeIfAbsent(method, m -> new LinkedHashMap<>());
        unavailable.computeIfAbsent(model, m -> new LinkedHashMap<>()).put(method, reason);
    }

    /** Why {@code method} could not be evaluated on {@code model}, or null. */
    public String unavailableReason(String model, String method) {
        return unavailable.getOrDefault(model, Map.of()).get(method);
    }

    /** Adds {@code value} seconds to {@code part} of {@code model}'s evaluation. */
    public void seconds(String model, String part, double value) {
        seconds.computeIfAbsent(model, m -> new LinkedHashMap<>()).merge(part, value, Double::sum);
    }

    /** Adds {@code value} CPU seconds (the process's, all threads) to {@code part} of {@code model}'s evaluation. */
    public void cpuSeconds(String model, String part, double value) {
        cpuSeconds.computeIfAbsent(model, m -> new LinkedHashMap<>()).merge(part, value, Double::sum);
    }

    /** model → part → CPU seconds, for the parts that recorded them. */
    public Map<String, Map<String, Double>> cpuSeconds() {
        return cpuSeconds;
    }

    /** model → part → seconds, in the order the parts ran. */
    public Map<String, Map<String, Double>> seconds() {
        return seconds;
    }

    public void info(String key, Object value) {
        info.put(key, value);
    }

    public Map<String, Object> info() {
        return info;
    }

    public List<String> models() {
        return new ArrayList<>(values.keySet());
    }

    /** The methods of any model, in insertion order. */
    public List<String> methods() {
        Set<String> methods = new LinkedHashSet<>();
        values.values().forEach(byMethod -> methods.addAll(byMethod.keySet()));
        return new ArrayList<>(methods);
    }

    /** The metrics of any model and method, in insertion order. */
    public List<String> metrics() {
        Set<String> metrics = new LinkedHashSet<>();
        values.values().forEach(byMethod -> byMethod.values().forEach(byMetric -> metrics.addAll(byMetric.keySet())));
        return new ArrayList<>(metrics);
    }

    /** One table per metric: methods that have it down, the models across. */
    public String toMarkdown() {
        List<String> models = models();
        StringBuilder out = new StringBuilder();
        for (String metric : metrics()) {
            out.append("### ").append(metric).append("\n\n| method |");
            StringBuilder rule = new StringBuilder("| --- |");
            for (String model : models) {
                out.append(' ').append(model).append(" |");
                rule.append(" ---: |");
            }
            out.append('\n').append(rule).append('\n');
            for (String method : methods()) {
                if (!hasMetricOrUnavailable(method, metric)) continue;
                out.append("| ").append(method).append(" |");
                for (String model : models) {
                    String reason = unavailableReason(model, method);
                    if (reason != null) {
                        out.append(" n/a |");
                    } else {
                        out.append(' ')
                                .append(format(get(model, method, metric)))
                                .append(" |");
                    }
                }
                out.append('\n');
            }
            out.append('\n');
        }
        if (!unavailable.isEmpty()) {
            out.append("### n/a\n\n");
            unavailable.forEach((model, byMethod) -> byMethod.forEach((method, reason) -> out.append("- ")
                    .append(method)
                    .append(" on ")
                    .append(model)
                    .append(": ")
                    .append(reason)
                    .append('\n')));
            out.append('\n');
        }
        return out.toString();
    }

    /**
     * Where the time went: each model's parts in seconds, and the process's CPU seconds in them (on a shared machine the
     * wall time depends on the load, the CPU time much less).
     */
    public String timingsMarkdown() {
        StringBuilder out =
                new StringBuilder("### seconds\n\n| model | part | s | CPU s |\n| --- | --- | ---: | ---: |\n");
        seconds.forEach((model, parts) -> parts.forEach((part, s) -> {
            Double cpu = cpuSeconds.getOrDefault(model, Map.of()).get(part);
            out.append("| ")
                    .append(model)
                    .append(" | ")
                    .append(part)
                    .append(" | ")
                    .append(String.format(Locale.ROOT, "%.1f", s))
                    .append(" | ")
                    .append(cpu == null ? "–" : String.format(Locale.ROOT, "%.1f", cpu))
                    .append(" |\n");
        }));
        return out.toString();
    }

    private boolean hasMetricOrUnavailable(String method, String metric) {
        boolean listedUnavailable = false;
        for (String model : values.keySet()) {
            Map<String, Double> byMetric = values.get(model).get(method);
            if (byMetric != null && byMetric.containsKey(metric)) return true;
            if (unavailableReason(model, method) != null) listedUnavailable = true;
        }
        // an unavailable method is listed under the metrics the other methods of the table have
        return listedUnavailable
                && methodsHaving(metric) > 0
                && !method.equals(Evaluation.SALIENCY_VS_SMOOTHGRAD)
                && !metric.startsWith("Saliency–SmoothGrad")
                && !metric.equals("accuracy");
    }

    private int methodsHaving(String metric) {
        int count = 0;
        for (Map<String, Map<String, Double>> byMethod : values.values()) {
            for (Map<String, Double> byMetric : byMethod.values()) if (byMetric.containsKey(metric)) count++;
        }
        return count;
    }

    public String toJson() {
        return json(false);
    }

    /** The JSON with the seconds: {@code info}, {@code values}, {@code unavailable}, {@code seconds}. */
    public String toJsonWithSeconds() {
        return json(true);
    }

    private String json(boolean withSeconds) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("info", info);
        root.put("values", values);
        root.put("unavailable", unavailable);
        if (withSeconds) {
            root.put("seconds", seconds);
            root.put("cpuSeconds", cpuSeconds);
        }
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
