package io.otnn.dashboard.render;

import io.otnn.avro.EncodedTensor;
import io.otnn.avro.Explanation;
import io.otnn.avro.TensorEncoding;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.dashboard.state.ModelEntry;
import io.otnn.explain.render.CompactTensor;
import io.otnn.explain.render.Renderer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The pictures of one {@code Explanation} record, drawn by explain-core's shared {@link Renderer}: the input image x,
 * the saliency heatmap, the counterfactual x_cf, the difference x_cf − x (diverging map, symmetric around 0), the
 * saliency over x, and the signed gradient when requested. Records written before the {@code input} field carry no x:
 * for them there is no input nor difference, and the saliency is drawn over x_cf. The input range comes from the
 * checkpoint's metadata when the dashboard could read it, else from the range of the encoded x and x_cf.
 */
public final class ExplanationImages {

    /** The pictures a record can give. */
    public enum Kind {
        INPUT,
        SALIENCY,
        COUNTERFACTUAL,
        DIFFERENCE,
        OVERLAY,
        GRADIENT;

        public static Optional<Kind> of(String name) {
            for (Kind k : values()) {
                if (k.name().toLowerCase(Locale.ROOT).equals(name)) return Optional.of(k);
            }
            return Optional.empty();
        }
    }

    private ExplanationImages() {}

    /** The pictures of this record, in the order the page shows them. */
    public static List<Kind> kinds(Explanation e) {
        List<Kind> kinds = new ArrayList<>();
        if (e.getInput() != null) kinds.add(Kind.INPUT);
        kinds.add(Kind.SALIENCY);
        kinds.add(Kind.COUNTERFACTUAL);
        if (e.getInput() != null) kinds.add(Kind.DIFFERENCE);
        kinds.add(Kind.OVERLAY);
        if (e.getSignedGradient() != null) kinds.add(Kind.GRADIENT);
        return kinds;
    }

    /**
     * The PNG of {@code kind}, or empty when the record has no such picture (no signed gradient; no input image, so
     * neither x nor x_cf − x).
     */
    public static Optional<byte[]> png(Explanation e, ModelEntry checkpoint, Kind kind) {
        // each kind decodes only the tensors it draws: a gallery asks for four pictures of every explanation
        Renderer renderer = renderer(e, checkpoint);
        EncodedTensor cf = e.getCounterfactual().getImage();
        EncodedTensor x = e.getInput();
        return switch (kind) {
            case INPUT -> x == null ? Optional.empty() : Optional.of(renderer.image(decode(x)));
            case SALIENCY -> Optional.of(renderer.heatmap(decode(e.getSaliency())));
            case COUNTERFACTUAL -> Optional.of(renderer.image(decode(cf)));
            case DIFFERENCE ->
                x == null ? Optional.empty() : Optional.of(renderer.diverging(difference(decode(cf), decode(x))));
            case OVERLAY -> Optional.of(renderer.overlay(decode(x == null ? cf : x), decode(e.getSaliency()), 0.5));
            case GRADIENT ->
                e.getSignedGradient() == null
                        ? Optional.empty()
                        : Optional.of(renderer.diverging(decode(e.getSignedGradient())));
        };
    }

    /** The largest saliency value, which the heatmap's brightest colour stands for. */
    public static double saliencyMax(Explanation e, ModelEntry checkpoint) {
        return renderer(e, checkpoint).heatmapMax(decode(e.getSaliency()));
    }

    /**
     * The largest |x_cf − x| (channel mean), which the difference's deepest red or blue stands for; NaN without an
     * input image.
     */
    public static double differenceMax(Explanation e, ModelEntry checkpoint) {
        if (e.getInput() == null) return Double.NaN;
        return renderer(e, checkpoint)
                .divergingMax(difference(decode(e.getCounterfactual().getImage()), decode(e.getInput())));
    }

    /**
     * How far the drawn x_cf − x can be from the true one, from the 8-bit encodings of x and x_cf (scale / 510 each,
     * 0 for RAW_F32); NaN without an input image. A difference whose largest value is near it shows the encoding's
     * steps rather than the counterfactual.
     */
    public static double differenceError(Explanation e) {
        if (e.getInput() == null) return Double.NaN;
        return quantisation(e.getInput()) + quantisation(e.getCounterfactual().getImage());
    }

    private static double quantisation(EncodedTensor t) {
        return t.getEncoding() == TensorEncoding.PNG_U8 ? Math.abs(t.getScale()) / 510.0 : 0;
    }

    private static float[] difference(float[] cf, float[] x) {
        if (cf.length != x.length) {
            throw new IllegalArgumentException(
                    "the counterfactual has " + cf.length + " values, the input " + x.length);
        }
        float[] diff = new float[cf.length];
        for (int i = 0; i < diff.length; i++) diff[i] = cf[i] - x[i];
        return diff;
    }

    private static Renderer renderer(Explanation e, ModelEntry checkpoint) {
        return new Renderer(input(e.getSaliency(), e.getCounterfactual().getImage(), e.getInput(), checkpoint));
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

    private static ModelMetadata.Input input(
            EncodedTensor saliency, EncodedTensor counterfactual, EncodedTensor x, ModelEntry checkpoint) {
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
            if (x != null && x.getEncoding() == TensorEncoding.PNG_U8) {
                min = Math.min(min, x.getOffset());
                max = Math.max(max, x.getOffset() + x.getScale());
            }
        } else {
            min = 0;
            max = 1;
        }
        return new ModelMetadata.Input(List.copyOf(shape), min, max, (max - min) / 255.0, min);
    }
}
