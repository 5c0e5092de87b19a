package io.otnn.streams.fidelity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FidelitySamplerTest {

    private static final int N = 200_000;

    private static List<String> uuids(long seed) {
        Random random = new Random(seed);
        List<String> ids = new ArrayList<>(N);
        for (int i = 0; i < N; i++) {
            ids.add(new UUID(random.nextLong(), random.nextLong()).toString());
        }
        return ids;
    }

    private static List<String> sequential() {
        List<String> ids = new ArrayList<>(N);
        for (int i = 0; i < N; i++) {
            ids.add("img-" + i);
        }
        return ids;
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.001, 0.01, 0.1, 0.5})
    void shouldSampleTheRateWithinFiveStandardDeviationsWhenManyIdsArrive(double rate) {
        FidelitySampler sampler = new FidelitySampler(rate);
        // random ids and ids that differ in one character only (a producer's counter)
        for (List<String> ids : List.of(uuids(1), sequential())) {
            long sampled = ids.stream().filter(sampler::sampled).count();
            double sd = Math.sqrt(N * rate * (1 - rate));
            assertThat((double) sampled)
                    .as("sampled of %d at rate %s", N, rate)
                    .isBetween(N * rate - 5 * sd, N * rate + 5 * sd);
        }
    }

    @Test
    void shouldSpreadSequentialIdsEvenlyWhenTheirPlacesAreBinned() {
        // the sample is not a block of neighbouring ids: the places of 200,000 sequential ids fill 100 bins evenly
        long[] bins = new long[100];
        for (String id : sequential()) {
            bins[(int) (FidelitySampler.place(id) * bins.length)]++;
        }
        double expected = (double) N / bins.length;
        double chiSquare = 0;
        for (long count : bins) {
            chiSquare += (count - expected) * (count - expected) / expected;
        }
        // 99 degrees of freedom: the 0.999 quantile of χ² is 148.2
        assertThat(chiSquare).isLessThan(148.2);
    }

    @Test
    void shouldPickTheSameImagesWhenTheSameIdsComeAgain() {
        List<String> ids = uuids(2);
        FidelitySampler first = new FidelitySampler(0.01);
        FidelitySampler replay = new FidelitySampler(0.01);
        FidelitySampler larger = new FidelitySampler(0.1);
        List<String> sample = ids.stream().filter(first::sampled).toList();
        List<String> reversedReplay = new ArrayList<>(ids);
        java.util.Collections.reverse(reversedReplay);
        assertThat(reversedReplay.stream().filter(replay::sampled).toList())
                .containsExactlyInAnyOrderElementsOf(sample);
        // a larger rate keeps every image of the smaller one
        assertThat(sample).allMatch(larger::sampled);
    }

    @Test
    void shouldSampleNoneWhenTheRateIsZeroAndAllWhenItIsOne() {
        List<String> ids = uuids(3).subList(0, 10_000);
        assertThat(ids).noneMatch(new FidelitySampler(0)::sampled);
        assertThat(ids).allMatch(new FidelitySampler(1)::sampled);
        assertThatThrownBy(() -> new FidelitySampler(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FidelitySampler(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
