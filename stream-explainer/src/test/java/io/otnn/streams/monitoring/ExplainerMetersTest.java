package io.otnn.streams.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.testing.LinearTestEngine;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExplainerMetersTest {

    /** Counts the model calls it is told about. */
    private static final class CountingMeters implements ExplainerMeters {
        final List<Integer> calls = new ArrayList<>();

        @Override
        public void modelCall(int images, long nanos) {
            calls.add(images);
        }
    }

    @Test
    void shouldKeepTheForwardPassAndCountOnlyExplainCallsWhenTheExplainerIsTimed() throws Exception {
        LinearTestEngine engine = LinearTestEngine.small();
        int size = engine.model().input().size();
        float[][] images = new float[3][size];
        float[] flat = new float[3 * size];
        for (int i = 0; i < 3; i++) {
            for (int p = 0; p < size; p++) {
                images[i][p] = (float) ((i * 31 + p * 7) % 11) / 10;
                flat[i * size + p] = images[i][p];
            }
        }
        CountingMeters meters = new CountingMeters();
        try (BatchExplainer plain = engine.newExplainer();
                BatchExplainer timed = meters.timed(engine.newExplainer())) {
            // the online fidelity needs the forward pass through the timed explainer too
            assertThat(timed.logits(flat, 3)).containsExactly(plain.logits(flat, 3));
            assertThat(meters.calls).isEmpty();

            assertThat(timed.explain(images)).hasSize(3);
            assertThat(meters.calls).containsExactly(3);
        }
    }
}
