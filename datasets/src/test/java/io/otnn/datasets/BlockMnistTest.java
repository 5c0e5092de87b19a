package io.otnn.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockMnistTest {

    @TempDir
    Path tmp;

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

    @Test
    void shouldStackADigitAndANullBlockWhenBuildingBlockMnist() throws IOException {
        IdxDataset digits = IdxDataset.readTestSet(SampleData.extract(tmp), PixelDecoder.UNIT_RANGE, 0);
        BlockMnist block = BlockMnist.fromMnist(digits, 1.0, 3, 0);
        float[] nul = BlockMnist.nullBlockPattern(1.0);
        int s = 784;
        int kept = 0;
        for (int i = 0; i < digits.labels().length; i++) {
            if (digits.labels()[i] > 1) continue;
            float[] x = block.images()[kept];
            assertThat(x).hasSize(BlockMnist.HEIGHT * BlockMnist.WIDTH);
            assertThat(block.labels()[kept]).isEqualTo(digits.labels()[i]);
            float[] top = Arrays.copyOfRange(x, 0, s);
            float[] bottom = Arrays.copyOfRange(x, s, 2 * s);
            float[] digit = digits.images()[i];
            assertThat(Arrays.equals(top, nul) && Arrays.equals(bottom, digit)
                            || Arrays.equals(top, digit) && Arrays.equals(bottom, nul))
                    .isTrue();
            kept++;
        }
        assertThat(block.images().length).isEqualTo(kept);
        assertThat(kept).isGreaterThan(50);
        assertThat(block.flatImages()).hasSize(kept * 2 * s);
    }
}
