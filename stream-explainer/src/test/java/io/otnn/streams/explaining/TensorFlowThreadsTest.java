package io.otnn.streams.explaining;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.streams.ExplainerConfig;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TensorFlowThreadsTest {

    private String intraBefore;
    private String interBefore;

    @BeforeEach
    void clear() {
        intraBefore = System.getProperty(TensorFlowThreads.INTRA_OP);
        interBefore = System.getProperty(TensorFlowThreads.INTER_OP);
        System.clearProperty(TensorFlowThreads.INTRA_OP);
        System.clearProperty(TensorFlowThreads.INTER_OP);
    }

    @AfterEach
    void restore() {
        restore(TensorFlowThreads.INTRA_OP, intraBefore);
        restore(TensorFlowThreads.INTER_OP, interBefore);
    }

    @Test
    void shouldSetDjlsPropertiesWhenTheSettingsAskForThreads() {
        TensorFlowThreads.apply(config(Map.of(
                ExplainerConfig.TENSORFLOW_INTRA_OP_THREADS_CONFIG, "1",
                ExplainerConfig.TENSORFLOW_INTER_OP_THREADS_CONFIG, "2")));

        assertThat(System.getProperty(TensorFlowThreads.INTRA_OP)).isEqualTo("1");
        assertThat(System.getProperty(TensorFlowThreads.INTER_OP)).isEqualTo("2");
    }

    @Test
    void shouldFollowTheLaterSettingsWhenAnEarlierExplainerOfThisJvmSetTheProperties() {
        TensorFlowThreads.apply(config(Map.of(ExplainerConfig.TENSORFLOW_INTRA_OP_THREADS_CONFIG, "1")));
        TensorFlowThreads.apply(config(Map.of(ExplainerConfig.TENSORFLOW_INTRA_OP_THREADS_CONFIG, "3")));
        assertThat(System.getProperty(TensorFlowThreads.INTRA_OP)).isEqualTo("3");

        TensorFlowThreads.apply(config(Map.of(ExplainerConfig.TENSORFLOW_INTRA_OP_THREADS_CONFIG, "0")));
        assertThat(System.getProperty(TensorFlowThreads.INTRA_OP)).isNull();
    }

    @Test
    void shouldKeepThePropertiesWhenTheyWereSetOnTheCommandLine() {
        System.setProperty(TensorFlowThreads.INTRA_OP, "4");
        System.setProperty(TensorFlowThreads.INTER_OP, "3");

        TensorFlowThreads.apply(config(Map.of(
                ExplainerConfig.TENSORFLOW_INTRA_OP_THREADS_CONFIG, "1",
                ExplainerConfig.TENSORFLOW_INTER_OP_THREADS_CONFIG, "0")));

        assertThat(System.getProperty(TensorFlowThreads.INTRA_OP)).isEqualTo("4");
        assertThat(System.getProperty(TensorFlowThreads.INTER_OP)).isEqualTo("3");
    }

    @Test
    void shouldGiveEachStreamThreadItsShareOfTheCoresWhenNothingIsSet() {
        int cores = Runtime.getRuntime().availableProcessors();
        TensorFlowThreads.apply(config(Map.of("num.stream.threads", "1")));
        assertThat(System.getProperty(TensorFlowThreads.INTRA_OP)).isEqualTo(Integer.toString(cores));
        assertThat(System.getProperty(TensorFlowThreads.INTER_OP)).isEqualTo(Integer.toString(cores));

        TensorFlowThreads.apply(config(Map.of("num.stream.threads", Integer.toString(cores))));
        assertThat(System.getProperty(TensorFlowThreads.INTRA_OP)).isEqualTo("1");
        assertThat(System.getProperty(TensorFlowThreads.INTER_OP)).isEqualTo("1");
    }

    private static ExplainerConfig config(Map<String, String> settings) {
        Map<String, Object> all = new HashMap<>(settings);
        all.put(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        return new ExplainerConfig(all);
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }
}
