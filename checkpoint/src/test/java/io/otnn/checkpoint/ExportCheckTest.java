package io.otnn.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExportCheckTest {

    private static final double C = Math.sqrt(2);

    @Test
    void shouldAcceptGradientsWithinTheToleranceWhenTheBoundHolds() {
        assertThat(ExportCheck.gradientProblem(1.0009, C * 1.0049, 1.0, C, 10)).isEmpty();
        assertThat(ExportCheck.gradientProblem(200, 290, 211, C, 10)).isEmpty();
        assertThat(ExportCheck.gradientProblem(1.0, 99, 1.0, 1.0, 1)).isEmpty(); // one logit: no margin gradient
    }

    @Test
    void shouldNameTheGradientWhenItExceedsTheBound() {
        assertThat(ExportCheck.gradientProblem(1.0011, C, 1.0, C, 10))
                .hasValueSatisfying(p -> assertThat(p).contains("‖∇ₓ f_top1‖").contains("1.001100"));
        assertThat(ExportCheck.gradientProblem(1.0, C * 1.0051, 1.0, C, 10))
                .hasValueSatisfying(p -> assertThat(p).contains("f_top1 − f_top2"));
        assertThat(ExportCheck.gradientProblem(Double.NaN, C, 1.0, C, 10)).isPresent();
    }

    @Test
    void shouldNameTheFirstLogitThatDiffersWhenTheReloadedModelIsNotTheTrainedOne() {
        float[] trained = {1f, -2f, 100f};
        assertThat(ExportCheck.logitProblem(trained, new float[] {1f, -2.0002f, 100.005f}))
                .isEmpty();
        assertThat(ExportCheck.logitProblem(trained, new float[] {1f, -2f, 100.02f}))
                .hasValueSatisfying(p -> assertThat(p).contains("logit 2"));
        assertThat(ExportCheck.logitProblem(trained, new float[] {Float.NaN, -2f, 100f}))
                .hasValueSatisfying(p -> assertThat(p).contains("logit 0"));
    }
}
