package io.otnn.streams.monitoring;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An independent reader of the Prometheus text exposition format (version 0.0.4), written from the format's rules
 * and not from Micrometer's writer: it parses every line and fails with the line number on the first rule broken.
 *
 * <ul>
 *   <li>{@code # HELP name text} ({@code \\} and {@code \n} the only escapes) and {@code # TYPE name type} at most
 *       once per family, the TYPE before the family's first sample; other {@code #} lines are comments;</li>
 *   <li>a sample is {@code name[{label="value",...}] value [timestamp]}: names {@code [a-zA-Z_:][a-zA-Z0-9_:]*},
 *       label names {@code [a-zA-Z_][a-zA-Z0-9_]*} (not {@code __}-prefixed, each once), values with {@code \\},
 *       {@code \"}, {@code \n} escapes; the value a float ({@code NaN}, {@code +Inf}, {@code -Inf} included), the
 *       timestamp an integer;</li>
 *   <li>a family's samples are contiguous; no two samples are the same series;</li>
 *   <li>a counter's samples end in {@code _total}; a histogram's are {@code _bucket} (with {@code le}),
 *       {@code _count}, {@code _sum}; its buckets are cumulative and end with {@code le="+Inf"} equal to
 *       {@code _count}, per label set; a summary's are {@code _count}, {@code _sum} and quantiles.</li>
 * </ul>
 */
final class PrometheusText {

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern FLOAT = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?|[+-]?Inf|NaN");
    private static final Pattern TIMESTAMP = Pattern.compile("-?\\d+");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One sample line. */
    record Sample(String name, Map<String, String> labels, double value, String family) {}

    final List<Sample> samples = new ArrayList<>();
    /** Family name → type. */
    final Map<String, String> types = new LinkedHashMap<>();

    final Map<String, String> helps = new HashMap<>();

    private PrometheusText() {}

    /** Parses and checks {@code text}; an {@link AssertionError} names the line and the rule it breaks. */
    static PrometheusText parse(String text) {
        PrometheusText parsed = new PrometheusText();
        parsed.read(text);
        parsed.checkFamilies();
        return parsed;
    }

    /** The value of the one sample with this name and exactly these labels. */
    double value(String name, Map<String, String> labels) {
        List<Sample> found = samples.stream()
                .filter(s -> s.name.equals(name) && s.labels.equals(labels))
                .toList();
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples " + name + labels + " in the scrape");
        }
        return found.get(0).value;
    }

    double value(String name) {
        return value(name, Map.of());
    }

    /** Every sample name in the scrape (with its suffixes: {@code x_bucket}, {@code x_count}, ...). */
    Set<String> sampleNames() {
        Set<String> names = new HashSet<>();
        samples.forEach(s -> names.add(s.name));
        return names;
    }

    private void read(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new AssertionError("the exposition does not end with a line feed");
        }
        String[] lines = text.split("\n", -1);
        Set<String> ended = new HashSet<>();
        Set<String> series = new HashSet<>();
        String current = null;
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            int number = i + 1;
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("#")) {
                String[] parts = line.split(" ", 4);
                if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
                    String family = parts[2];
                    require(METRIC_NAME.matcher(family).matches(), number, "bad metric name in " + line);
                    if (!family.equals(current)) {
                        require(
                                !ended.contains(family) && !types.containsKey(family) || family.equals(current),
                                number,
                                "family " + family + " is not contiguous");
                        if (current != null) {
                            ended.add(current);
                        }
                        current = family;
                    }
                    String rest = parts.length == 4 ? parts[3] : "";
                    if (parts[1].equals("HELP")) {
                        require(!helps.containsKey(family), number, "second HELP for " + family);
                        helps.put(family, unescapeHelp(rest, number));
                    } else {
                        require(!types.containsKey(family), number, "second TYPE for " + family);
                        require(TYPES.contains(rest), number, "unknown type '" + rest + "'");
                        require(
                                samples.stream().noneMatch(s -> s.family.equals(family)),
                                number,
                                "TYPE after a sample of " + family);
                        types.put(family, rest);
                    }
                }
                continue;
            }
            Sample sample = sample(line, number, current);
            require(series.add(sample.name + new TreeMap<>(sample.labels)), number, "duplicate series " + line);
            if (!sample.family.equals(current)) {
                require(!ended.contains(sample.family), number, "family " + sample.family + " is not contiguous");
                if (current != null) {
                    ended.add(current);
                }
                current = sample.family;
            }
            samples.add(sample);
        }
    }

    private Sample sample(String line, int number, String current) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        require(METRIC_NAME.matcher(name).matches(), number, "bad metric name '" + name + "'");
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (true) {
                if (line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int eq = line.indexOf('=', i);
                require(eq > 0, number, "label without '='");
                String label = line.substring(i, eq);
                require(
                        LABEL_NAME.matcher(label).matches() && !label.startsWith("__"),
                        number,
                        "bad label name '" + label + "'");
                require(eq + 1 < line.length() && line.charAt(eq + 1) == '"', number, "label value not quoted");
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                while (true) {
                    require(j < line.length(), number, "unterminated label value");
                    char c = line.charAt(j);
                    if (c == '\\') {
                        require(j + 1 < line.length(), number, "dangling escape");
                        char e = line.charAt(j + 1);
                        switch (e) {
                            case '\\' -> value.append('\\');
                            case '"' -> value.append('"');
                            case 'n' -> value.append('\n');
                            default -> throw new AssertionError("line " + number + ": bad escape \\" + e);
                        }
                        j += 2;
                    } else if (c == '"') {
                        j++;
                        break;
                    } else {
                        value.append(c);
                        j++;
                    }
                }
                require(labels.put(label, value.toString()) == null, number, "label " + label + " twice");
                i = j;
                require(i < line.length(), number, "unterminated label set");
                if (line.charAt(i) == ',') {
                    i++;
                } else {
                    require(line.charAt(i) == '}', number, "expected ',' or '}' after a label");
                }
            }
        }
        require(i < line.length() && line.charAt(i) == ' ', number, "no space before the value");
        String[] rest = line.substring(i + 1).trim().split(" +");
        require(rest.length == 1 || rest.length == 2, number, "expected a value and an optional timestamp");
        require(FLOAT.matcher(rest[0]).matches(), number, "value '" + rest[0] + "' is not a float");
        double value = rest[0].endsWith("Inf")
                ? (rest[0].startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
                : Double.parseDouble(rest[0]);
        if (rest.length == 2) {
            require(TIMESTAMP.matcher(rest[1]).matches(), number, "timestamp '" + rest[1] + "' is not an integer");
        }
        return new Sample(name, labels, value, familyOf(name, current, number));
    }

    /** The family a sample belongs to: the current TYPE'd family when the name is its name or one of its suffixes. */
    private String familyOf(String name, String current, int number) {
        if (current != null && types.containsKey(current)) {
            String type = types.get(current);
            List<String> allowed = switch (type) {
                case "counter" -> List.of(current);
                case "histogram" -> List.of(current + "_bucket", current + "_count", current + "_sum");
                case "summary" -> List.of(current, current + "_count", current + "_sum");
                default -> List.of(current);
            };
            if (allowed.contains(name)) {
                return current;
            }
            require(
                    !name.startsWith(current + "_") || type.equals("gauge") || type.equals("untyped"),
                    number,
                    name + " is not a sample name of the " + type + " " + current);
        }
        return name;
    }

    private void checkFamilies() {
        types.forEach((family, type) -> {
            List<Sample> mine =
                    samples.stream().filter(s -> s.family.equals(family)).toList();
            if (type.equals("counter")) {
                mine.forEach(s ->
                        require(s.name.endsWith("_total"), 0, "counter sample " + s.name + " does not end in _total"));
                mine.forEach(s -> require(s.value >= 0 || Double.isNaN(s.value), 0, "negative counter " + s));
            }
            if (type.equals("histogram")) {
                checkHistogram(family, mine);
            }
        });
    }

    private static void checkHistogram(String family, List<Sample> mine) {
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        Map<Map<String, String>, Double> counts = new HashMap<>();
        for (Sample s : mine) {
            if (s.name.endsWith("_bucket")) {
                require(s.labels.containsKey("le"), 0, s.name + " without le");
                Map<String, String> rest = new TreeMap<>(s.labels);
                rest.remove("le");
                buckets.computeIfAbsent(rest, k -> new ArrayList<>()).add(s);
            } else if (s.name.endsWith("_count")) {
                counts.put(new TreeMap<>(s.labels), s.value);
            }
        }
        require(!buckets.isEmpty(), 0, "histogram " + family + " without buckets");
        buckets.forEach((labels, list) -> {
            double previousBound = Double.NEGATIVE_INFINITY;
            double previous = 0;
            for (Sample b : list) {
                String le = b.labels.get("le");
                require(FLOAT.matcher(le).matches(), 0, family + " le=\"" + le + "\" is not a float");
                double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                require(bound > previousBound, 0, family + labels + ": bucket bounds not increasing at le=" + le);
                require(b.value >= previous, 0, family + labels + ": buckets not cumulative at le=" + le);
                previousBound = bound;
                previous = b.value;
            }
            Sample last = list.get(list.size() - 1);
            require(last.labels.get("le").equals("+Inf"), 0, family + labels + ": last bucket is not le=\"+Inf\"");
            Double count = counts.get(labels);
            require(count != null, 0, family + labels + " has no _count");
            require(last.value == count, 0, family + labels + ": le=\"+Inf\" " + last.value + " != _count " + count);
        });
    }

    private static String unescapeHelp(String text, int number) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                require(i + 1 < text.length(), number, "dangling escape in HELP");
                char e = text.charAt(++i);
                require(e == '\\' || e == 'n', number, "bad escape \\" + e + " in HELP");
                out.append(e == 'n' ? '\n' : '\\');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static void require(boolean condition, int line, String rule) {
        if (!condition) {
            throw new AssertionError((line > 0 ? "line " + line + ": " : "") + rule);
        }
    }
}
