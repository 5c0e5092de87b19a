package io.otnn.trainer.model;

import io.otnn.checkpoint.Certificate;
import io.otnn.trainer.layers.BatchNormalization;
import io.otnn.trainer.layers.Conv2D;
import io.otnn.trainer.layers.FrobeniusDense;
import io.otnn.trainer.layers.GroupSort2;
import io.otnn.trainer.layers.Layer;
import io.otnn.trainer.layers.OrthogonalConv2D;
import io.otnn.trainer.layers.ReLU;
import io.otnn.trainer.layers.SpectralConv2D;
import java.util.List;

/**
 * A network: a preset's name, whether it is the 1-Lipschitz OTNN or its unconstrained twin, the width multiplier and
 * fresh (unbuilt) layers. Layers hold graph state, so build one Architecture per graph.
 */
public record Architecture(String preset, boolean constrained, double widthMultiplier, List<Layer> layers) {

    public Architecture {
        layers = List.copyOf(layers);
        if (constrained && !layers.stream().allMatch(Layer::constrained)) {
            throw new IllegalArgumentException("a constrained architecture may only hold 1-Lipschitz layers");
        }
    }

    /**
     * The certificate factor c of the certified radius (f_k* − f_j) / (c·L) (docs/checkpoint-format.md). A network
     * whose last layer is one 1-Lipschitz vector map (an orthogonalised dense layer, or an unconstrained map bounded as
     * a whole by L) has |(f_i − f_j)(x) − (f_i − f_j)(x')| ≤ √2 ‖f(x) − f(x')‖ ≤ √2 L ‖x − x'‖, since the row vector
     * e_i − e_j has norm √2: deel-lip's convention for multiclass certificates. Disjoint heads ({@link FrobeniusDense}
     * with several outputs) only bound each f_k by L, so the margin moves by up to 2L: c = 2. Binary models use |f|/L
     * and c = 1.
     */
    public double certificateFactor(int logits) {
        if (logits == 1) return Certificate.BINARY_FACTOR;
        return layers.get(layers.size() - 1) instanceof FrobeniusDense
                ? Certificate.INDEPENDENT_HEADS_FACTOR
                : Certificate.VECTOR_MAP_FACTOR;
    }

    /**
     * The index of the layer whose output is the Grad-CAM activation A: the last convolution followed by its block's
     * activation (and batch normalisation, for the twins); -1 without a convolutional layer.
     */
    public int gradCamLayer() {
        int last = -1;
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof SpectralConv2D
                    || layers.get(i) instanceof OrthogonalConv2D
                    || layers.get(i) instanceof Conv2D) last = i;
        }
        if (last < 0) return -1;
        while (last + 1 < layers.size()
                && (layers.get(last + 1) instanceof GroupSort2
                        || layers.get(last + 1) instanceof BatchNormalization
                        || layers.get(last + 1) instanceof ReLU)) {
            last++;
        }
        return last;
    }

    public List<String> describeLayers() {
        return layers.stream().map(Layer::describe).toList();
    }
}
