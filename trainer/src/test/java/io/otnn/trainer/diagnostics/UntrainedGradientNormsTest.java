package io.otnn.trainer.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.trainer.data.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What the cnn-soc construction guarantees before any training, measured on a handful of random images: every layer
 * except the two that widen their input (the first convolution, which pads 1 channel to c, and the dense layer c → 2c)
 * passes the back-propagated gradient on with its norm (ratio 1 on every image), so the gradient reaching the first
 * convolution's output has the norm the dense layer leaves it; the plain cnn's spectral convolutions lose most of it.
 */
class UntrainedGradientNormsTest {

    private static final double TOLERANCE = 1e-4;

    @Test
    void shouldPreserveTheGradientNormBetweenTheWideningLayersWhenTheSocNetworkIsUntrained() {
        LayerGradientNorms.Profile p = LayerGradientNorms.untrained("cnn-soc", 0.25, 42, randomImages(8));
        List<LayerGradientNorms.Row> rows = p.rows();
        int dense = denseIndex(rows);
        assertThat(rows.get(0).layer()).isEqualTo("OrthogonalConv2D(16, 3x3)");
        for (LayerGradientNorms.Row row : rows) {
            assertThat(row.ratio()[2]).as(row.layer() + " at " + row.index()).isLessThanOrEqualTo(1 + TOLERANCE);
        }
        double trunk = 1;
        for (int l = 1; l < dense; l++) {
            LayerGradientNorms.Row row = rows.get(l);
            assertThat(row.ratio()[0]).as(row.layer() + " at " + l).isGreaterThanOrEqualTo(1 - TOLERANCE);
            trunk *= row.ratio()[0];
        }
        for (int l = dense + 1; l < rows.size(); l++) {
            assertThat(rows.get(l).ratio()[0]).as(rows.get(l).layer()).isGreaterThanOrEqualTo(1 - TOLERANCE);
        }
        assertThat(trunk).as("the least ‖g‖ ratio over the trunk").isGreaterThanOrEqualTo(0.99);
        // ‖∂f/∂h_0‖ (the first convolution's output) is the dense layer's ratio, as nothing in between loses norm
        assertThat(rows.get(0).meanGradientNorm())
                .isBetween(rows.get(dense).ratio()[0] * 0.999, rows.get(dense).ratio()[2] * 1.001);
        // the widening layers lose norm: about √(64/128) for the dense layer, √(1/16) for the first convolution
        assertThat(rows.get(dense).ratio()[1]).isBetween(0.3, 0.95);
        assertThat(rows.get(0).ratio()[1]).isBetween(0.05, 0.6);
        assertThat(p.inputGradientNorm()[1]).isLessThan(rows.get(dense).ratio()[1]);
    }

    @Test
    void shouldPreserveTheGradientNormAtEveryLayerWhenTheGnpNetworkIsUntrained() {
        LayerGradientNorms.Profile p = LayerGradientNorms.untrained("cnn-gnp", 0.25, 42, randomImages(8));
        assertThat(p.rows().get(0).layer()).isEqualTo("InvertibleDownSampling(2)");
        for (LayerGradientNorms.Row row : p.rows()) {
            // no layer widens its input: each passes every gradient on at its norm, within Björck's residual
            assertThat(row.ratio()[0]).as(row.layer() + " at " + row.index()).isGreaterThanOrEqualTo(0.99);
            assertThat(row.ratio()[2]).as(row.layer() + " at " + row.index()).isLessThanOrEqualTo(1 + TOLERANCE);
        }
        assertThat(p.inputGradientNorm()[0]).as("min ‖∇f‖ at the input").isGreaterThanOrEqualTo(0.97);
        assertThat(p.inputGradientNorm()[2]).as("max ‖∇f‖ at the input").isLessThanOrEqualTo(1 + TOLERANCE);
    }

    @Test
    void shouldLoseTheGradientNormInTheSpectralConvolutionsWhenTheCnnIsUntrained() {
        LayerGradientNorms.Profile p = LayerGradientNorms.untrained("cnn", 0.25, 42, randomImages(8));
        int dense = denseIndex(p.rows());
        double trunk = 1;
        for (int l = 1; l < dense; l++) trunk *= p.rows().get(l).ratio()[1];
        assertThat(trunk).isLessThan(0.9);
    }

    private static int denseIndex(List<LayerGradientNorms.Row> rows) {
        for (LayerGradientNorms.Row row : rows) if (row.layer().startsWith("SpectralDense")) return row.index();
        throw new AssertionError("no SpectralDense in " + rows);
    }

    /** {@code n} images of uniform random pixels in [0, 1], 28×28×1, labelled 0…9. */
    private static Dataset randomImages(int n) {
        Random random = new Random(11);
        float[] images = new float[n * 784];
        for (int i = 0; i < images.length; i++) images[i] = random.nextFloat();
        int[] labels = new int[n];
        List<String> names = new ArrayList<>();
        for (int k = 0; k < 10; k++) names.add("class " + k);
        for (int i = 0; i < n; i++) labels[i] = i % 10;
        return new Dataset(images, labels, 28, 28, 1, names, false);
    }
}
