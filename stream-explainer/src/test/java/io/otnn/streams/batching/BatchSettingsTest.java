package io.otnn.streams.batching;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.streams.fidelity.FidelitySettings;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchSettingsTest {

    private static BatchSettings withCommitAfter(CommitAfterBatch mode) {
        return new BatchSettings(8, 20, 1 << 20, "app/1", 10_000, List.of(0.5), FidelitySettings.DISABLED, mode);
    }

    @Test
    void shouldAskForACommitAfterPartialBatchesOnlyWhenPartial() {
        BatchSettings partial = withCommitAfter(CommitAfterBatch.PARTIAL);
        assertThat(partial.commitsAfter(1)).isTrue();
        assertThat(partial.commitsAfter(7)).isTrue();
        assertThat(partial.commitsAfter(8))
                .as("a full batch: traffic at capacity, the interval commits")
                .isFalse();
    }

    @Test
    void shouldAskAfterEveryBatchOrNeverAsTold() {
        assertThat(List.of(1, 8)).allMatch(withCommitAfter(CommitAfterBatch.EVERY)::commitsAfter);
        assertThat(List.of(1, 8)).noneMatch(withCommitAfter(CommitAfterBatch.NONE)::commitsAfter);
    }

    @Test
    void shouldParseTheConfiguredValuesAndRefuseOthers() {
        assertThat(CommitAfterBatch.parse("partial")).isEqualTo(CommitAfterBatch.PARTIAL);
        assertThat(CommitAfterBatch.EVERY.configValue()).isEqualTo("every");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CommitAfterBatch.parse("PARTIAL"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("commit.after.batch");
    }
}
