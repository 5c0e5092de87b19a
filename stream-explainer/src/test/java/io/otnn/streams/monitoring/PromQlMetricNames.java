package io.otnn.streams.monitoring;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The metric names a PromQL expression selects, by a small tokenizer: string literals, label matchers
 * ({@code {...}}), range selectors and subqueries ({@code [...]}), grouping clauses ({@code by (...)},
 * {@code without (...)}, {@code on (...)}, {@code ignoring (...)}, {@code group_left/right (...)}), numbers,
 * durations and Grafana variables ({@code $__rate_interval}) are dropped; an identifier followed by {@code (} is a
 * function or an aggregation; the keywords are not names; what is left is a metric name.
 */
final class PromQlMetricNames {

    private static final Set<String> KEYWORDS = Set.of(
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "bool",
            "and",
            "or",
            "unless",
            "offset",
            "inf",
            "nan");

    private PromQlMetricNames() {}

    static Set<String> of(String expr) {
        String s = dropStrings(expr);
        s = dropBracketed(s, '{', '}');
        s = dropBracketed(s, '[', ']');
        s = s.replaceAll("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new LinkedHashSet<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isDigit(c) || c == '.') {
                while (i < s.length()
                        && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.' || s.charAt(i) == '_')) {
                    i++;
                }
            } else if (c == '$' || isNameStart(c)) {
                int start = i;
                i++;
                while (i < s.length() && isNamePart(s.charAt(i))) {
                    i++;
                }
                String word = s.substring(start, i);
                int next = i;
                while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
                    next++;
                }
                boolean call = next < s.length() && s.charAt(next) == '(';
                if (c != '$' && !call && !KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
                    names.add(word);
                }
            } else {
                i++;
            }
        }
        return names;
    }

    private static boolean isNameStart(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':';
    }

    private static boolean isNamePart(char c) {
        return isNameStart(c) || c >= '0' && c <= '9';
    }

    private static String dropStrings(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                int j = i + 1;
                while (j < s.length() && s.charAt(j) != c) {
                    j += c != '`' && s.charAt(j) == '\\' ? 2 : 1;
                }
                out.append(' ');
                i = j;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String dropBracketed(String s, char open, char close) {
        StringBuilder out = new StringBuilder();
        int depth = 0;
        for (char c : s.toCharArray()) {
            if (c == open) {
                depth++;
            } else if (c == close && depth > 0) {
                depth--;
                out.append(' ');
            } else if (depth == 0) {
                out.append(c);
            }
        }
        return out.toString();
    }
}
