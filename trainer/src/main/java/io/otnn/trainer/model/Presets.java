package io.otnn.trainer.model;

import io.otnn.trainer.layers.BatchNormalization;
import io.otnn.trainer.layers.Conv2D;
import io.otnn.trainer.layers.Dense;
import io.otnn.trainer.layers.Flatten;
import io.otnn.trainer.layers.FrobeniusDense;
import io.otnn.trainer.layers.GlobalAveragePooling2D;
import io.otnn.trainer.layers.GroupSort2;
import io.otnn.trainer.layers.InvertibleDownSampling;
import io.otnn.trainer.layers.Layer;
import io.otnn.trainer.layers.MaxPooling2D;
import io.otnn.trainer.layers.OrthogonalConv2D;
import io.otnn.trainer.layers.ReLU;
import io.otnn.trainer.layers.ScaledGlobalAveragePooling2D;
import io.otnn.trainer.layers.ScaledL2NormPooling2D;
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

    /** The preset names, as {@code --arch} takes them. */
    public static final List<String> NAMES = List.of("dense", "cnn", "cnn-soc", "cnn-gnp", "vgg");
    /** Hidden widths of the dense preset (784-512-512-K at width 1). */
    public static final int[] DENSE_HIDDEN = {512, 512};
    /** Channels of the three stages of deel-lip's Fashion-MNIST network (demo 4) at width 1: two convolutions each. */
    public static final int[] CNN_STAGES = {64, 128, 256};
    /** Units of the hidden dense layer of the {@code cnn} preset at width 1. */
    public static final int CNN_DENSE = 512;
    /** Down-sampling stages of {@code cnn-gnp}: 28×28×c → 14×14×4c → 7×7×16c. */
    public static final int GNP_STAGES = 2;
    /** Channels of the three stages of the paper's Table 4 Fashion-MNIST CNN ({@code vgg}) at width 1. */
    public static final int[] VGG_STAGES = {96, 192, 384};
    /** The {@code cnn} preset's width multiplier by default (16-32-64 channels, 128 units): sized for a CPU. */
    public static final double DEFAULT_CNN_WIDTH = 0.25;
    /** The {@code vgg} preset's width multiplier by default: Table 4 at full width is too slow on a CPU. */
    public static final double DEFAULT_VGG_WIDTH = 0.25;

    private Presets() {}

    public static Architecture create(String preset, boolean constrained, double width, int logits) {
        if (!(width > 0 && width <= 8)) {
            throw new IllegalArgumentException("width multiplier must be in (0, 8], got " + width);
        }
        return switch (preset.toLowerCase(Locale.ROOT)) {
            case "dense" -> dense(constrained, width, logits);
            case "cnn" -> cnn(constrained, width, logits);
            case "cnn-soc" -> cnnSoc(constrained, width, logits);
            case "cnn-gnp" -> cnnGnp(constrained, width, logits);
            case "vgg" -> vgg(constrained, width, logits);
            default ->
                throw new IllegalArgumentException(
                        "unknown architecture '" + preset + "', valid: " + String.join(", ", NAMES));
        };
    }

    /** The width multiplier a preset uses when none is given. */
    public static double defaultWidth(String preset) {
        return switch (preset.toLowerCase(Locale.ROOT)) {
            case "cnn", "cnn-soc" -> DEFAULT_CNN_WIDTH;
            case "vgg" -> DEFAULT_VGG_WIDTH;
            default -> 1.0;
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
     * deel-lip's Fashion-MNIST network (its demo 4, which accompanies the paper): three stages of two 3×3 {@code same}
     * convolutions with GroupSort2, an L2-norm pooling (2×2) after the first two stages, scaled global average pooling,
     * a dense layer of 512 units with GroupSort2 and a head of disjoint 1-Lipschitz neurons ({@link FrobeniusDense}, one
     * normalised row per class); channels and units multiplied by {@code width}. The unconstrained twin has the same
     * sizes with batch normalisation, ReLU, max pooling, global average pooling and a plain dense head.
     */
    public static Architecture cnn(boolean constrained, double width, int logits) {
        List<Layer> layers = new ArrayList<>();
        for (int s = 0; s < CNN_STAGES.length; s++) {
            int c = even(CNN_STAGES[s] * width);
            for (int i = 0; i < 2; i++) conv(layers, constrained, c, 1);
            if (s < CNN_STAGES.length - 1) {
                layers.add(constrained ? new ScaledL2NormPooling2D(2) : new MaxPooling2D(2));
            }
        }
        int units = even(CNN_DENSE * width);
        if (constrained) {
            layers.add(new ScaledGlobalAveragePooling2D());
            layers.add(new SpectralDense(units));
            layers.add(new GroupSort2());
            layers.add(new FrobeniusDense(logits));
        } else {
            layers.add(new GlobalAveragePooling2D());
            layers.add(new Dense(units));
            layers.add(new BatchNormalization());
            layers.add(new ReLU());
            layers.add(new Dense(logits));
        }
        return new Architecture("cnn", constrained, width, layers);
    }

    /**
     * The {@code cnn} preset with orthogonal convolutions: every {@link SpectralConv2D} becomes a skew-orthogonal
     * {@link OrthogonalConv2D}, and every L2-norm pooling with the channel increase of the next convolution becomes an
     * {@link InvertibleDownSampling} (2×2 blocks into 4c channels) followed by an OrthogonalConv2D that keeps 2c of
     * them. GroupSort2, the scaled global average pooling, the dense layer and the FrobeniusDense head stay as in
     * {@code cnn}. Every layer then preserves the back-propagated gradient's norm except two that widen their input: the
     * first convolution (cin channels padded with zeros up to c) and the dense layer (c → 2c units).
     */
    public static Architecture cnnSoc(boolean constrained, double width, int logits) {
        if (!constrained) {
            throw new IllegalArgumentException(
                    "cnn-soc has no unconstrained twin (the orthogonal convolution is its point): use --arch cnn");
        }
        List<Layer> layers = new ArrayList<>();
        for (int s = 0; s < CNN_STAGES.length; s++) {
            int c = even(CNN_STAGES[s] * width);
            if (s > 0) layers.add(new InvertibleDownSampling(2));
            for (int i = 0; i < 2; i++) {
                layers.add(new OrthogonalConv2D(c, 3));
                layers.add(new GroupSort2());
            }
        }
        layers.add(new ScaledGlobalAveragePooling2D());
        layers.add(new SpectralDense(even(CNN_DENSE * width)));
        layers.add(new GroupSort2());
        layers.add(new FrobeniusDense(logits));
        return new Architecture("cnn-soc", true, width, layers);
    }

    /**
     * A convolutional OTNN that preserves the gradient norm by construction: no layer widens its input. Two stages of
     * an {@link InvertibleDownSampling} (2×2 blocks into 4c channels: 28×28×1 → 14×14×4 → 7×7×16 for Fashion-MNIST)
     * and two {@link OrthogonalConv2D} on those channels with GroupSort2, then Flatten and the {@code dense} preset's
     * layers (SpectralDense 512·width + GroupSort2, twice, and a SpectralDense head). Permutations, orthogonal
     * convolutions, GroupSort2 and dense layers that keep or narrow the width (orthonormal columns) all pass a
     * back-propagated gradient on at its full norm, so ‖∇f_k‖ = 1 up to Björck's residual and the Taylor polynomial's.
     */
    public static Architecture cnnGnp(boolean constrained, double width, int logits) {
        if (!constrained) {
            throw new IllegalArgumentException(
                    "cnn-gnp has no unconstrained twin (the orthogonal convolution is its point): use --arch cnn");
        }
        List<Layer> layers = new ArrayList<>();
        int channels = 1;
        for (int s = 0; s < GNP_STAGES; s++) {
            layers.add(new InvertibleDownSampling(2));
            channels *= 4;
            for (int i = 0; i < 2; i++) {
                layers.add(new OrthogonalConv2D(channels, 3));
                layers.add(new GroupSort2());
            }
        }
        layers.add(new Flatten());
        for (int h : DENSE_HIDDEN) {
            layers.add(new SpectralDense(even(h * width)));
            layers.add(new GroupSort2());
        }
        layers.add(new SpectralDense(logits));
        return new Architecture("cnn-gnp", true, width, layers);
    }

    /**
     * The paper's Table 4 network: three stages of three 3×3 convolutions, separated by stride-2 convolutions, then
     * (scaled) global average pooling and a dense head; channel counts multiplied by {@code width}.
     */
    public static Architecture vgg(boolean constrained, double width, int logits) {
        List<Layer> layers = new ArrayList<>();
        for (int s = 0; s < VGG_STAGES.length; s++) {
            int c = even(VGG_STAGES[s] * width);
            for (int i = 0; i < 3; i++) conv(layers, constrained, c, 1);
            if (s < VGG_STAGES.length - 1) conv(layers, constrained, c, 2);
        }
        layers.add(constrained ? new ScaledGlobalAveragePooling2D() : new GlobalAveragePooling2D());
        layers.add(constrained ? new SpectralDense(logits) : new Dense(logits));
        return new Architecture("vgg", constrained, width, layers);
    }

    /**
     * {@code -Dotnn.conv.norm=operator}: the spectral convolutions divide by their operator norm (power iteration)
     * instead of deel-lip's bound; {@code bound} (default) keeps deel-lip's.
     */
    static boolean operatorNorm() {
        String mode = System.getProperty("otnn.conv.norm", "bound");
        if (!mode.equals("bound") && !mode.equals("operator")) {
            throw new IllegalArgumentException("otnn.conv.norm must be bound or operator, got '" + mode + "'");
        }
        return mode.equals("operator");
    }

    private static void conv(List<Layer> layers, boolean constrained, int channels, int stride) {
        if (constrained) {
            layers.add(new SpectralConv2D(channels, 3, stride, operatorNorm()));
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
