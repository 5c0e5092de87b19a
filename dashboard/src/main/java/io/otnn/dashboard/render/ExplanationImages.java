package io.otnn.dashboard.render;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.otnn.avro.EncodedTensor;
import io.otnn.avro.Explanation;
import io.otnn.avro.TensorEncoding;
import io.otnn.dashboard.state.ModelEntry;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.render.CompactTensor;
import io.otnn.explain.render.Renderer;

/**
 * The pictures of one {@code Explanation} record, drawn by explain-core's shared {@link Renderer}. The record carries
 * the saliency, the counterfactual x_cf and, when requested, the signed gradient, but not the input image x, so the
 * pictures are: the saliency heatmap, x_cf, the saliency over x_cf, and the signed gradient. The input range comes from
 * the checkpoint's metadata when the dashboard could read it, else from the counterfactual's own range.
 */
public final class ExplanationImages {

    /** The pictures a record can give. */
    public enum Kind {
        SALIENCY, COUNTERFACTUAL, OVERLAY, GRADIENT;

        public static Optional<Kind> of(String name) {
            for (Kind k : values()) {
                if (k.name().toLowerCase(Locale.ROOT).equals(name)) return Optional.of(k);
            }
            return Optional.empty();
        }
    }

    private ExplanationImages() {}

    /** The PNG of {@code kind}, or empty when the record has no such picture (no signed gradient). */
    public static Optional<byte[]> png(Explanation e, ModelEntry checkpoint, Kind kind) {
        float[] cf = decode(e.getCounterfactual().getImage());
        Renderer renderer = new Renderer(input(e.getSaliency(), e.getCounterfactual().getImage(), checkpoint));
        return switch (kind) {
            case SALIENCY -> Optional.of(renderer.heatmap(decode(e.getSaliency())));
            case COUNTERFACTUAL -> Optional.of(renderer.image(cf));
            case OVERLAY -> Optional.of(renderer.overlay(cf, decode(e.getSaliency()), 0.5));
            case GRADIENT -> e.getSignedGradient() == null ? Optional.empty()
                    : Optional.of(renderer.diverging(decode(e.getSignedGradient())));
        };
    }

    /** The largest saliency value, which the heatmap's brightest colour stands for. */
    public static double saliencyMax(Explanation e, ModelEntry checkpoint) {
        return new Renderer(input(e.getSaliency(), e.getCounterfactual().getImage(), checkpoint))
                .heatmapMax(decode(e.getSaliency()));
    }

    /** The values of an {@code EncodedTensor}: PNG_U8 through {@link CompactTensor}, RAW_F32 little-endian. */
    public static float[] decode(EncodedTensor t) {
        byte[] data = new byte[t.getData().remaining()];
        t.getData().duplicate().get(data);
        int[] shape = t.getShape().stream().mapToInt(Integer::intValue).toArray();
        if (t.getEncoding() == TensorEncoding.RAW_F32) {
            float[] out = new float[data.length / 4];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }
        return new CompactTensor(data, shape, t.getScale(), t.getOffset()).decode();
    }

    private static ModelMetadata.Input input(EncodedTensor saliency, EncodedTensor counterfactual, ModelEntry checkpoint) {
        List<Integer> shape = saliency.getShape();
        if (shape.size() != 3) {
            throw new IllegalArgumentException("the saliency's shape " + shape + " is not [H, W, C]");
        }
        double min;
        double max;
        if (checkpoint != null && checkpoint.inputMin() != null && checkpoint.inputMax() != null) {
            min = checkpoint.inputMin();
            max = checkpoint.inputMax();
        } else if (counterfactual.getEncoding() == TensorEncoding.PNG_U8 && counterfactual.getScale() > 0) {
            min = counterfactual.getOffset();
            max = counterfactual.getOffset() + counterfactual.getScale();
        } else {
            min = 0;
            max = 1;
        }
        return new ModelMetadata.Input(List.copyOf(shape), min, max, (max - min) / 255.0, min);
    }
}
