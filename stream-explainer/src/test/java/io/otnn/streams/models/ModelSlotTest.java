package io.otnn.streams.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.otnn.explain.testing.Fixtures;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.explaining.OtnnEngine;
import io.otnn.streams.explaining.ServedModel;
import org.junit.jupiter.api.Test;

/** The slot's generations and the reference counting that closes a swapped-out engine (real engines). */
class ModelSlotTest {

    @Test
    void shouldCloseASwappedOutEngineOnlyWhenItsLastExplainerIsClosed() {
        ModelSlot slot = new ModelSlot(FollowSpec.primary("fixture-linear", null));
        assertThatThrownBy(slot::current).isInstanceOf(IllegalStateException.class);
        OtnnEngine first = OtnnEngine.load(Fixtures.linear());
        OtnnEngine second = OtnnEngine.load(Fixtures.groupSort());
        assertThat(slot.swap(first, true)).isZero();
        ServedModel.Serving before = slot.current();
        BatchExplainer running = before.engine().newExplainer();
        BatchExplainer other = before.engine().newExplainer();

        assertThat(slot.swap(second, true)).isEqualTo(1);
        assertThat(slot.current().generation()).isEqualTo(1);
        assertThat(slot.current().engine().model().name())
                .isEqualTo(second.model().name());
        ModelSlot.Counted retired = (ModelSlot.Counted) before.engine();
        // swapped out, still in use by two tasks: a model call on it still runs
        assertThat(retired.isClosed()).isFalse();
        assertThat(running.explain(Fixtures.images(1, 2, Fixtures.SMALL_INPUT.size())))
                .hasSize(2);
        running.close();
        running.close(); // closing twice counts once
        assertThat(retired.isClosed()).isFalse();
        other.close();
        assertThat(retired.isClosed()).isTrue();
        assertThatThrownBy(() -> before.engine().newExplainer())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("swapped out");

        ModelSlot.Counted serving = (ModelSlot.Counted) slot.current().engine();
        slot.close();
        // no task holds an explainer of it: closed at once
        assertThat(serving.isClosed()).isTrue();
        assertThat(slot.serving()).isFalse();
    }

    @Test
    void shouldNotCloseAnEngineItDoesNotOwnWhenSwappedOut() throws Exception {
        try (OtnnEngine given = OtnnEngine.load(Fixtures.linear())) {
            ModelSlot slot = new ModelSlot(FollowSpec.primary("fixture-linear", null));
            slot.swap(given, false);
            slot.swap(OtnnEngine.load(Fixtures.linear()), true);
            // the caller's engine still works after the slot let it go
            try (var explainer = given.newExplainer()) {
                assertThat(explainer.explain(Fixtures.images(2, 1, Fixtures.SMALL_INPUT.size())))
                        .hasSize(1);
            }
            slot.close();
        }
    }

    @Test
    void shouldKeepTheNewestImagesFirstWhenOffered() {
        ModelSlot slot = new ModelSlot(FollowSpec.shadow("m", 3));
        for (int i = 0; i < 20; i++) {
            slot.offerSample(new float[] {i});
        }
        assertThat(slot.recentImages()).hasSize(8);
        assertThat(slot.recentImages().get(0)[0]).isEqualTo(19f);
        assertThat(slot.spec().toString()).isEqualTo("shadow m pinned to v3");
    }
}
