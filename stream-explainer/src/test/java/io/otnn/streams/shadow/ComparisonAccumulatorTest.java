package io.otnn.streams.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.avro.ExplanationComparison;
import io.otnn.avro.QuantileValue;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ComparisonAccumulatorTest {

    private static final ModelPair PAIR = new ModelPair("primary", 3, "candidate", 4);

    @Test
    void shouldEqualOneAccumulatorOfAllTheImagesWhenPartialsAreMergedAndSerialised() {
        List<ImageComparison> images = randomComparisons(600, new Random(9));
        ComparisonAccumulator whole = new ComparisonAccumulator(PAIR);
        images.forEach(whole::add);
        // three partials, one of them through the store's serde (as the repartition and the changelog carry it)
        ComparisonAccumulator first = new ComparisonAccumulator(PAIR);
        ComparisonAccumulator second = new ComparisonAccumulator(PAIR);
        ComparisonAccumulator third = new ComparisonAccumulator(PAIR);
        for (int i = 0; i < images.size(); i++) {
            (i % 3 == 0 ? first : i % 3 == 1 ? second : third).add(images.get(i));
        }
        var serde = ComparisonAccumulator.serde();
        ComparisonAccumulator merged = serde.deserializer()
                .deserialize("t", serde.serializer().serialize("t", first))
                .merge(second)
                .merge(serde.deserializer().deserialize("t", serde.serializer().serialize("t", third)));

        ExplanationComparison expected = whole.toRecord(0, 10_000);
        ExplanationComparison actual = merged.toRecord(0, 10_000);
        assertThat(actual.getComparedCount()).isEqualTo(600);
        assertThat(actual.getClassAgreement()).isEqualTo(expected.getClassAgreement());
        assertThat(actual.getSameTargetFraction()).isEqualTo(expected.getSameTargetFraction());
        assertThat(actual.getLabelledCount()).isEqualTo(expected.getLabelledCount());
        assertThat(actual.getPrimaryAccuracy()).isEqualTo(expected.getPrimaryAccuracy());
        assertThat(actual.getShadowAccuracy()).isEqualTo(expected.getShadowAccuracy());
        assertThat(actual.getCertificateDifferenceMean())
                .isCloseTo(expected.getCertificateDifferenceMean(), within(1e-12));
        assertThat(actual.getSaliencySpearmanMean()).isCloseTo(expected.getSaliencySpearmanMean(), within(1e-12));
        // merged t-digests are not bit-identical to one built in one pass; both hold the rank error
        assertWithinRankError(actual.getCertificateDifferenceQuantiles(), differences(images));
        assertWithinRankError(actual.getSaliencySpearmanQuantiles(), spearmans(images));
        assertThat(actual.getPrimaryModelName()).isEqualTo("primary");
        assertThat(actual.getShadowModelVersion()).isEqualTo(4);
        assertThat(actual.getWindowEnd()).isEqualTo(Instant.ofEpochMilli(10_000));
    }

    @Test
    void shouldCountTheFiguresDirectlyWhenImagesAreAdded() {
        ComparisonAccumulator acc = new ComparisonAccumulator(PAIR);
        acc.add(new ImageComparison(1, 1, 0.25, 0.5, true, 1));
        acc.add(new ImageComparison(2, 3, -0.75, null, false, 3));
        acc.add(new ImageComparison(4, 4, 0.5, 0.9, false, null));
        acc.add(new ImageComparison(0, 5, 0.0, -0.2, true, 0));

        ExplanationComparison record = acc.toRecord(0, 1);

        assertThat(record.getComparedCount()).isEqualTo(4);
        assertThat(record.getClassAgreement()).isEqualTo(0.5);
        assertThat(record.getSameTargetFraction()).isEqualTo(0.5);
        assertThat(record.getCertificateDifferenceMean()).isCloseTo(0.0, within(1e-12));
        assertThat(record.getSaliencySpearmanMean()).isCloseTo((0.5 + 0.9 - 0.2) / 3, within(1e-12));
        assertThat(record.getLabelledCount()).isEqualTo(3);
        assertThat(record.getPrimaryAccuracy()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(record.getShadowAccuracy()).isCloseTo(2 / 3.0, within(1e-12));
    }

    @Test
    void shouldPublishNoSpearmanFiguresWhenNoMapCouldBeRanked() {
        ComparisonAccumulator acc = new ComparisonAccumulator(PAIR);
        acc.add(new ImageComparison(1, 1, 0.1, null, true, null));

        ExplanationComparison record = acc.toRecord(0, 1);

        assertThat(record.getSaliencySpearmanMean()).isNull();
        assertThat(record.getSaliencySpearmanQuantiles()).isEmpty();
        assertThat(record.getPrimaryAccuracy()).isNull();
        assertThat(record.getCertificateDifferenceQuantiles()).hasSize(6);
    }

    static void assertWithinRankError(List<QuantileValue> quantiles, double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        for (QuantileValue q : quantiles) {
            long atOrBelow =
                    Arrays.stream(sorted).filter(v -> v <= q.getValue()).count();
            long below = Arrays.stream(sorted).filter(v -> v < q.getValue()).count();
            // the value's rank span [below, atOrBelow] / n must come within 2 % of q (t-digest: about 1 %)
            double slack = 0.02 + 1.0 / sorted.length;
            assertThat((double) atOrBelow / sorted.length)
                    .as("rank of the q=%s quantile", q.getQ())
                    .isGreaterThanOrEqualTo(q.getQ() - slack);
            assertThat((double) below / sorted.length)
                    .as("rank of the q=%s quantile", q.getQ())
                    .isLessThanOrEqualTo(q.getQ() + slack);
        }
    }

    private static List<ImageComparison> randomComparisons(int n, Random random) {
        List<ImageComparison> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int primary = random.nextInt(10);
            int shadow = random.nextDouble() < 0.7 ? primary : random.nextInt(10);
            images.add(new ImageComparison(
                    primary,
                    shadow,
                    random.nextGaussian() * 0.1,
                    random.nextDouble() < 0.1 ? null : Math.tanh(random.nextGaussian()),
                    random.nextBoolean(),
                    random.nextDouble() < 0.2 ? null : random.nextInt(10)));
        }
        return images;
    }

    private static double[] differences(List<ImageComparison> images) {
        return images.stream()
                .mapToDouble(ImageComparison::certificateDifference)
                .toArray();
    }

    private static double[] spearmans(List<ImageComparison> images) {
        return images.stream()
                .filter(i -> i.spearman() != null)
                .mapToDouble(ImageComparison::spearman)
                .toArray();
    }
}
