package io.otnn.streams.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlMetricNamesTest {

    @Test
    void shouldKeepOnlyMetricNamesWhenTheQueryHasFunctionsMatchersGroupingAndRanges() {
        assertThat(
                        PromQlMetricNames.of(
                                "histogram_quantile(0.99, sum by (le, kind) "
                                        + "(rate(otnn_queue_time_seconds_bucket{job=\"otnn-explainer\",kind=~\"a|b\"}[$__rate_interval])))"))
                .containsExactly("otnn_queue_time_seconds_bucket");
        assertThat(PromQlMetricNames.of("sum(rate(a_total[5m] offset 1h)) by (instance) / ignoring(kind) "
                        + "sum without (le) (b:recorded_count{x='}'}) > bool 1e-3"))
                .containsExactly("a_total", "b:recorded_count");
        assertThat(PromQlMetricNames.of("max_over_time(deriv(c[10m:1m])[1h:]) and on (instance) d unless e"))
                .containsExactly("c", "d", "e");
    }
}
