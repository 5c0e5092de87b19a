package io.otnn.explain.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CompactTensorTest {

    @Test
    void shouldRoundTripWithinHalfAQuantisationStepWhenValuesAreRandom() {
        Random random = new Random(3);
        float[] values = new float[224 * 224 * 3];
        for (int i = 0; i < values.length; i++) values[i] = (float) (random.nextGaussian() * 0.01 - 0.003);
        CompactTensor encoded = CompactTensor.encode(values, 224, 224, 3);
        float[] decoded = encoded.decode();

        assertThat(decoded).hasSize(values.length);
        double step = encoded.scale() / 255;
        for (int i = 0; i < values.length; i++) {
            assertThat((double) decoded[i]).isCloseTo(values[i], within(step / 2 + 1e-9));
        }
        assertThat(encoded.png().length).isLessThan(1_000_000 / 4); // well under Kafka's default 1 MB message
    }

    @Test
    void shouldReproduceExtremesExactlyAndFollowTheAvroRule() {
        float[] values = {-2f, 0f, 1f, 3f};
        CompactTensor encoded = CompactTensor.encode(values, 2, 2, 1);
        assertThat(encoded.offset()).isEqualTo(-2.0);
        assertThat(encoded.scale()).isEqualTo(5.0);
        float[] decoded = encoded.decode();
        assertThat(decoded[0]).isEqualTo(-2f);
        assertThat(decoded[3]).isEqualTo(3f);
        // value = offset + scale · byte / 255, byte = round((v − offset) / scale · 255) = round(102) for v = 0
        assertThat(decoded[1]).isCloseTo((float) (-2 + 5.0 * 102 / 255), within(1e-6f));
    }

    @Test
    void shouldDecodeConstantTensorsAndOddShapes() {
        assertThat(CompactTensor.encode(new float[] {0.7f, 0.7f, 0.7f}, 3).decode())
                .containsExactly(0.7f, 0.7f, 0.7f);
        float[] five = {1, 2, 3, 4, 5};
        assertThat(CompactTensor.encode(five, 5).decode()).containsExactly(five, within(4f / 510 + 1e-6f));
    }

    @Test
    void shouldRefuseNonFiniteValuesOrShapeMismatch() {
        assertThatThrownBy(() -> CompactTensor.encode(new float[] {Float.NaN}, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CompactTensor.encode(new float[3], 2, 2)).isInstanceOf(IllegalArgumentException.class);
        CompactTensor wrong =
                new CompactTensor(CompactTensor.encode(new float[4], 2, 2).png(), new int[] {4, 1}, 1, 0);
        assertThatThrownBy(wrong::decode).isInstanceOf(IllegalArgumentException.class);
    }
}
