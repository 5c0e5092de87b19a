package io.otnn.streams.fidelity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.otnn.explain.metrics.Baseline;
import io.otnn.streams.ExplainerConfig;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class FidelitySettingsTest {

    private static final Map<String, Object> REQUIRED = Map.of(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, "k:9092");

    @Test
    void shouldMeasureOnePercentWithFiftySubsetsAndTenDeletionStepsWhenNothingIsConfigured() {
        FidelitySettings s = new ExplainerConfig(REQUIRED).fidelitySettings();
        assertThat(s).isEqualTo(new FidelitySettings(0.01, 50, 20, 0.2, Baseline.ZERO, 10, 0));
        assertThat(s.enabled()).isTrue();
        assertThat(s.rowsPerImage()).isEqualTo(51 + 11);
    }

    @Test
    void shouldTakeEveryKeyFromTheEnvironmentAndRefuseValuesOutOfRangeWhenConfigured() {
        FidelitySettings s = ExplainerConfig.load(
                        null,
                        Map.of(
                                "OTNN_FIDELITY_SAMPLE_RATE",
                                "0",
                                "OTNN_FIDELITY_BASELINE",
                                "uniform",
                                "OTNN_FIDELITY_MUFIDELITY_SAMPLES",
                                "200",
                                "OTNN_FIDELITY_MUFIDELITY_GRID",
                                "7",
                                "OTNN_FIDELITY_MUFIDELITY_SUBSET_FRACTION",
                                "0.3",
                                "OTNN_FIDELITY_DELETION_STEPS",
                                "28",
                                "OTNN_FIDELITY_SEED",
                                "5"),
                        REQUIRED)
                .fidelitySettings();
        assertThat(s).isEqualTo(new FidelitySettings(0, 200, 7, 0.3, Baseline.UNIFORM, 28, 5));
        assertThat(s.enabled()).isFalse();
        assertThatThrownBy(() -> ExplainerConfig.load(
                        null,
                        Map.of(),
                        Map.of("bootstrap.servers", "k:9092", ExplainerConfig.FIDELITY_SAMPLE_RATE_CONFIG, "1.5")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("fidelity.sample.rate");
        assertThatThrownBy(() -> ExplainerConfig.load(
                        null,
                        Map.of(),
                        Map.of("bootstrap.servers", "k:9092", ExplainerConfig.FIDELITY_BASELINE_CONFIG, "mean")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("fidelity.baseline");
    }
}
