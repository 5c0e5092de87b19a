package io.otnn.explain.input;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BlockMnistTest {

    @Test
    void shouldStackDigitAndNullBlockAndMarkTheNullHalfWhenBuiltFromMnist() {
        float[][] digits = new float[5][784];
        for (int i = 0; i < 5; i++) java.util.Arrays.fill(digits[i], 0.5f);
        IdxDataset mnist = new IdxDataset(digits, new int[] {0, 1, 7, 1, 0}, 28, 28);

        BlockMnist block = BlockMnist.fromMnist(mnist, 1.0, 1, 0);

        assertThat(block.labels()).containsExactly(0, 1, 1, 0); // 7 is not part of the 0-vs-1 task
        for (int i = 0; i < 4; i++) {
            float[] x = block.images()[i];
            assertThat(x).hasSize(56 * 28);
            int count = 0;
            for (int p = 0; p < x.length; p++) {
                if (block.nullBlock()[i][p]) {
                    count++;
                    int r = (p / 28) % 28;
                    int c = p % 28;
                    boolean edge = r >= 8 && r < 20 && c >= 8 && c < 20 && (r < 10 || r >= 18 || c < 10 || c >= 18);
                    assertThat(x[p]).isEqualTo(edge ? 1f : 0f);
                } else {
                    assertThat(x[p]).isEqualTo(0.5f);
                }
            }
            assertThat(count).isEqualTo(784);
        }
    }
}
