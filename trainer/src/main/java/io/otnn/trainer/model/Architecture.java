package io.otnn.trainer.model;

import io.otnn.checkpoint.Certificate;
import io.otnn.trainer.layers.FrobeniusDense;
import io.otnn.trainer.layers.Layer;
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

    public List<String> describeLayers() {
        return layers.stream().map(Layer::describe).toList();
    }
}
