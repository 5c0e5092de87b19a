package io.otnn.trainer.model;

import io.otnn.trainer.layers.BatchNormalization;
import io.otnn.trainer.layers.Conv2D;
import io.otnn.trainer.layers.Dense;
import io.otnn.trainer.layers.Flatten;
import io.otnn.trainer.layers.GlobalAveragePooling2D;
import io.otnn.trainer.layers.GroupSort2;
import io.otnn.trainer.layers.Layer;
import io.otnn.trainer.layers.ReLU;
import io.otnn.trainer.layers.ScaledGlobalAveragePooling2D;
import io.otnn.trainer.layers.SpectralConv2D;
import io.otnn.trainer.layers.SpectralDense;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Named architectures. The input shape comes from the data when the layers are built; {@code logits} is 1 for a binary
 * task. OTNNs use GroupSort2 and the spectral layers; their unconstrained twins have the same layer sizes with
 * batch normalisation and ReLU (paper A.2.2).
 */
public final class Presets {

    /** Hidden widths of the dense preset (784-512-512-K at width 1). */
    public static final int[] DENSE_HIDDEN = {512, 512};
    /** Channels of the three stages of the paper's Table 4 Fashion-MNIST CNN at width 1. */
    public static final int[] CNN_STAGES = {96, 192, 384};
    /** The CNN's width multiplier by default: Table 4 at full width is too slow on a CPU. */
    public static final double DEFAULT_CNN_WIDTH = 0.25;

    private Presets() {}

    public static Architecture create(String preset, boolean constrained, double width, int logits) {
        if (!(width > 0 && width <= 8)) {
            throw new IllegalArgumentException("width multiplier must be in (0, 8], got " + width);
        }
        return switch (preset.toLowerCase(Locale.ROOT)) {
            case "dense" -> dense(constrained, width, logits);
            case "cnn" -> cnn(constrained, width, logits);
            default -> throw new IllegalArgumentException("unknown architecture '" + preset + "', valid: dense, cnn");
        };
    }

    /** Flatten, then two hidden layers of 512·width units, then the logits. */
    public static Architecture dense(boolean constrained, double width, int logits) {
        List<Layer> layers = new ArrayList<>();
        layers.add(new Flatten());
        for (int h : DENSE_HIDDEN) {
            int units = even(h * width);
            if (constrained) {
                layers.add(new SpectralDense(units));
                layers.add(new GroupSort2());
            } else {
                layers.add(new Dense(units));
                layers.add(new BatchNormalization());
                layers.add(new ReLU());
            }
        }
        layers.add(constrained ? new SpectralDense(logits) : new Dense(logits));
        return new Architecture("dense", constrained, width, layers);
    }

    /**
     * The paper's Table 4 network: three stages of three 3×3 convolutions, separated by stride-2 convolutions, then
     * (scaled) global average pooling and a dense head; channel counts multiplied by {@code width}.
     */
    public static Architecture cnn(boolean constrained, double width, int logits) {
        List<Layer> layers = new ArrayList<>();
        for (int s = 0; s < CNN_STAGES.length; s++) {
            int c = even(CNN_STAGES[s] * width);
            for (int i = 0; i < 3; i++) conv(layers, constrained, c, 1);
            if (s < CNN_STAGES.length - 1) conv(layers, constrained, c, 2);
        }
        layers.add(constrained ? new ScaledGlobalAveragePooling2D() : new GlobalAveragePooling2D());
        layers.add(constrained ? new SpectralDense(logits) : new Dense(logits));
        return new Architecture("cnn", constrained, width, layers);
    }

    private static void conv(List<Layer> layers, boolean constrained, int channels, int stride) {
        if (constrained) {
            layers.add(new SpectralConv2D(channels, 3, stride));
            layers.add(new GroupSort2());
        } else {
            layers.add(new Conv2D(channels, 3, stride));
            layers.add(new BatchNormalization());
            layers.add(new ReLU());
        }
    }

    /** GroupSort2 needs an even width. */
    static int even(double units) {
        int u = Math.max(2, (int) Math.round(units));
        return u % 2 == 0 ? u : u + 1;
    }
}
