package io.otnn.bench;

import io.otnn.checkpoint.ModelMetadata;
import java.util.List;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Multiply-add FLOP of one image's forward pass, counted from the architecture the checkpoint's metadata lists:
 * 2·in·out per dense layer, 2·H·W·C_in·C_out·k² per convolution ({@code same} padding, stride 1), poolings and
 * activations not counted (they are a few percent of the work and no MatMul). The gradient of one output with respect
 * to the input costs one more pass of the same multiply-adds (the transposed products), so {@code explain} (two such
 * gradients and the forward) is 3 × forward and the self-check (a forward of x_δ and x_cf) 2 × forward.
 */
public final class ModelFlops {

    private static final Pattern DENSE = Pattern.compile("(?:Spectral|Frobenius)?Dense\\((\\d+)\\)");
    private static final Pattern CONV = Pattern.compile("(?:Spectral)?Conv2D\\((\\d+), (\\d+)x(\\d+)\\)");
    private static final Pattern DOWN = Pattern.compile("InvertibleDownSampling\\((\\d+)\\)");
    private static final Pattern POOL = Pattern.compile("\\w*Pooling2D\\((\\d+)\\)");

    private ModelFlops() {}

    /** Forward FLOP per image, or empty when a layer's cost cannot be read from its name. */
    public static OptionalDouble forward(ModelMetadata metadata) {
        List<Integer> shape = metadata.input().shape();
        long h = shape.get(0);
        long w = shape.get(1);
        long c = shape.get(2);
        boolean flat = false;
        double flops = 0;
        if (metadata.architecture() == null
                || !metadata.architecture().path("layers").isArray()) {
            return OptionalDouble.empty();
        }
        for (var node : metadata.architecture().path("layers")) {
            String layer = node.asText();
            Matcher m;
            if ((m = DENSE.matcher(layer)).matches()) {
                long in = flat ? c : h * w * c;
                long out = Long.parseLong(m.group(1));
                flops += 2.0 * in * out;
                flat = true;
                c = out;
            } else if ((m = CONV.matcher(layer)).matches()) {
                long out = Long.parseLong(m.group(1));
                long k = Long.parseLong(m.group(2)) * Long.parseLong(m.group(3));
                flops += 2.0 * h * w * c * out * k;
                c = out;
            } else if ((m = DOWN.matcher(layer)).matches()) {
                long p = Long.parseLong(m.group(1));
                h /= p;
                w /= p;
                c *= p * p;
            } else if ((m = POOL.matcher(layer)).matches()) {
                long p = Long.parseLong(m.group(1));
                h /= p;
                w /= p;
            } else if (layer.contains("GlobalAveragePooling") || layer.equals("Flatten")) {
                if (layer.equals("Flatten")) c = h * w * c;
                flat = true;
            } else if (!layer.startsWith("GroupSort") && !layer.equals("ReLU")) {
                return OptionalDouble.empty();
            }
        }
        return OptionalDouble.of(flops);
    }
}
