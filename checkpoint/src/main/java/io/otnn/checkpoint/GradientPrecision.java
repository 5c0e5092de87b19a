package io.otnn.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * The arithmetic of a checkpoint's explain gradients (docs/checkpoint-format.md, "Gradient precision"). The logits,
 * the certificates and the self-check's boundary points and counterfactuals are always computed in fp32; only the
 * backward pass that gives the saliency may run its matrix products in bfloat16, with its transposed kernels
 * stored rounded to bfloat16 and the cotangent rounded before each product.
 */
public enum GradientPrecision {
    FP32(0),
    /**
     * bfloat16 products (8 significant bits, unit roundoff u = 2⁻⁸): each dense layer rounds its cotangent and its
     * kernel, so ‖∇̃‖ may exceed ‖∇‖ by a relative (1 + u)² per layer in the worst case.
     */
    BF16(Math.scalb(1.0, -8));

    /** The field of {@code architecture} in {@code otnn-model.json} that records the precision. */
    public static final String FIELD = "gradientPrecision";
    /** The field of {@code architecture} counting the matrix products of a rounded backward pass. */
    public static final String PRODUCTS_FIELD = "gradientProducts";

    private final double unitRoundoff;

    GradientPrecision(double unitRoundoff) {
        this.unitRoundoff = unitRoundoff;
    }

    /**
     * The relative tolerance of the gradient-norm checks for a network with {@code products} matrix products in its
     * backward pass, added to the fp32 tolerance: (1 + u)^(2·products) − 1, 0 for fp32.
     */
    public double gradientTolerance(int products) {
        return Math.pow(1 + unitRoundoff, 2.0 * products) - 1;
    }

    /** The name written to the metadata: {@code fp32} or {@code bf16}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code fp32} or {@code bf16}, as written by {@link #label}. */
    public static GradientPrecision parse(String label) {
        for (GradientPrecision p : values()) {
            if (p.label().equals(label)) return p;
        }
        throw new IllegalArgumentException("unknown gradient precision '" + label + "' (fp32 or bf16)");
    }

    /** The precision an {@code architecture} object records; fp32 when it records none (checkpoints before it). */
    public static GradientPrecision of(ObjectNode architecture) {
        JsonNode p = architecture == null ? null : architecture.get(FIELD);
        return p == null ? FP32 : parse(p.asText());
    }

    /**
     * Records {@code precision} in {@code architecture}: nothing for fp32 (the default a reader assumes), {@link #FIELD}
     * and {@link #PRODUCTS_FIELD} otherwise.
     */
    public static void record(ObjectNode architecture, GradientPrecision precision, int products) {
        architecture.remove(java.util.List.of(FIELD, PRODUCTS_FIELD));
        if (precision == FP32) return;
        architecture.put(FIELD, precision.label());
        architecture.put(PRODUCTS_FIELD, products);
    }

    /**
     * The tolerance the recorded precision adds to the gradient-norm checks: {@link #gradientTolerance} for the
     * recorded {@link #PRODUCTS_FIELD}, 0 for fp32.
     *
     * @throws CheckpointException when a rounded precision is recorded without a positive count of products
     */
    public static double recordedTolerance(ObjectNode architecture) {
        GradientPrecision p = of(architecture);
        if (p == FP32) return 0;
        JsonNode products = architecture.get(PRODUCTS_FIELD);
        if (products == null || !products.canConvertToInt() || products.asInt() < 1) {
            throw new CheckpointException("architecture." + FIELD + " is " + p.label() + " but architecture."
                    + PRODUCTS_FIELD + " is not a positive count");
        }
        return p.gradientTolerance(products.asInt());
    }
}
