package io.otnn.streams.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.otnn.explain.ImageExplanation;
import io.otnn.explain.testing.Fixtures;
import io.otnn.streams.explaining.ExplainerException;
import io.otnn.streams.explaining.OtnnEngine;
import io.otnn.streams.explaining.ServedModel;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A task's shadow explainer follows its slot's generation: real TensorFlow checkpoints of explain-core's fixtures. */
class ShadowExplainerTest {

    private static OtnnEngine dense;
    private static OtnnEngine other;
    private static OtnnEngine linear;

    @BeforeAll
    static void load() {
        dense = OtnnEngine.load(Fixtures.denseMnist());
        other = OtnnEngine.load(Fixtures.denseMnistOther());
        linear = OtnnEngine.load(Fixtures.linear());
    }

    @AfterAll
    static void close() {
        dense.close();
        other.close();
        linear.close();
    }

    @Test
    void shouldExplainWithTheNewEngineWhenTheSlotsGenerationChanges() {
        AtomicReference<ServedModel.Serving> slot = new AtomicReference<>(new ServedModel.Serving(dense, 0));
        ShadowModel shadow = new ShadowModel(slot::get);
        float[][] pixels = images(5);
        try (ShadowExplainer explainer = shadow.newExplainer()) {
            ShadowExplainer.Results first = explainer.explain(pixels, dense.model());
            assertThat(first.model().name()).isEqualTo("fixture-dense");
            assertRadii(first.results(), dense.otnnModel().explain(pixels));

            slot.set(new ServedModel.Serving(other, 1));
            ShadowExplainer.Results second = explainer.explain(pixels, dense.model());

            assertThat(second.model().name()).isEqualTo("fixture-dense-other");
            assertRadii(second.results(), other.otnnModel().explain(pixels));
            assertThat(second.results().get(0).radius())
                    .isNotEqualTo(first.results().get(0).radius());
        }
    }

    @Test
    void shouldRefuseTheCallInOneLineWhenTheSlotSwapsToAModelOfAnotherInput() {
        AtomicReference<ServedModel.Serving> slot = new AtomicReference<>(new ServedModel.Serving(other, 0));
        ShadowModel shadow = new ShadowModel(slot::get);
        float[][] pixels = images(2);
        try (ShadowExplainer explainer = shadow.newExplainer()) {
            assertThat(explainer.explain(pixels, dense.model()).results()).hasSize(2);
            slot.set(new ServedModel.Serving(linear, 1));

            assertThatThrownBy(() -> explainer.explain(pixels, dense.model()))
                    .isInstanceOf(ExplainerException.class)
                    .hasMessageContaining("fixture-linear")
                    .hasMessageContaining("[6, 5, 2]")
                    .hasMessageNotContaining("\n");
        }
    }

    private static float[][] images(int n) {
        Random random = new Random(3);
        float[][] pixels = new float[n][784];
        for (float[] image : pixels) {
            for (int i = 0; i < image.length; i++) {
                image[i] = random.nextFloat();
            }
        }
        return pixels;
    }

    private static void assertRadii(List<ImageExplanation> actual, List<ImageExplanation> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.size(); i++) {
            assertThat(actual.get(i).predicted()).isEqualTo(expected.get(i).predicted());
            assertThat(actual.get(i).radius())
                    .isCloseTo(expected.get(i).radius(), org.assertj.core.api.Assertions.within(1e-6));
        }
    }
}
