package io.otnn.streams.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The test's own reader of the text format catches each broken rule (so that a pass of /metrics means something). */
class PrometheusTextTest {

    private static final String GOOD = """
            # HELP otnn_x_total A \\\\ counter\\nover two lines
            # TYPE otnn_x_total counter
            otnn_x_total{kind="A \\"quoted\\" \\\\ value\\n"} 3.0
            otnn_x_total{kind="B"} 0
            # TYPE h histogram
            h_bucket{le="0.5"} 1
            h_bucket{le="1.0"} 2
            h_bucket{le="+Inf"} 2
            h_count 2
            h_sum 1.25
            # TYPE g gauge
            g NaN
            g{a="1"} -Inf 1700000000000
            """;

    @Test
    void shouldReadEverySampleAndUnescapeLabelsAndHelpWhenTheTextFollowsTheRules() {
        PrometheusText text = PrometheusText.parse(GOOD);

        assertThat(text.value("otnn_x_total", Map.of("kind", "A \"quoted\" \\ value\n")))
                .isEqualTo(3.0);
        assertThat(text.value("h_sum")).isEqualTo(1.25);
        assertThat(text.value("g", Map.of("a", "1"))).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(text.helps.get("otnn_x_total")).isEqualTo("A \\ counter\nover two lines");
        assertThat(text.types).containsEntry("h", "histogram");
        assertThat(text.sampleNames()).contains("h_bucket", "h_count", "otnn_x_total", "g");
    }

    @Test
    void shouldFailOnTheBrokenRuleWhenOneLineBreaksIt() {
        assertBroken(GOOD.replace("h_bucket{le=\"1.0\"} 2", "h_bucket{le=\"1.0\"} 0"), "not cumulative");
        assertBroken(GOOD.replace("h_count 2", "h_count 3"), "!= _count");
        assertBroken(GOOD.replace("h_bucket{le=\"+Inf\"} 2\n", ""), "not le=\"+Inf\"");
        assertBroken(GOOD.replace("otnn_x_total", "otnn_x"), "does not end in _total");
        assertBroken(GOOD.replace("g NaN", "g{a=\"1\"} 1"), "duplicate series");
        assertBroken(GOOD.replace("kind=\"B\"", "kind=\"B\\t\""), "bad escape");
        assertBroken(GOOD.replace("h_sum 1.25", "h_sum 1,25"), "is not a float");
        assertBroken(GOOD.replace("h_sum 1.25", "h_sum one"), "is not a float");
        assertBroken(GOOD.replace("g NaN", "9g NaN"), "bad metric name");
        assertBroken(GOOD.replace("{a=\"1\"}", "{a-b=\"1\"}"), "bad label name");
        assertBroken(GOOD.replace("{a=\"1\"}", "{a=\"1\",a=\"2\"}"), "twice");
        assertBroken(GOOD + "otnn_x_total{kind=\"C\"} 1\n", "not contiguous");
        assertBroken(GOOD + "# TYPE g gauge\n", "second TYPE");
        assertBroken(GOOD.replace("# TYPE g gauge", "# TYPE g gauges"), "unknown type");
        assertBroken(GOOD.replace("h_sum 1.25", "h_sum 1.25\nh_bogus 1"), "not a sample name");
        assertBroken(GOOD.replace("g{a=\"1\"} -Inf 1700000000000", "g{a=\"1\"} 1 1.5"), "not an integer");
        assertBroken(GOOD.substring(0, GOOD.length() - 1), "line feed");
    }

    private static void assertBroken(String text, String rule) {
        assertThatThrownBy(() -> PrometheusText.parse(text))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining(rule);
    }
}
