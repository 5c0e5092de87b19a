package io.otnn.reproduction.paper;

import java.util.List;

/**
 * The paper's Fashion-MNIST reference values (Serrurier et al., NeurIPS 2023), transcribed once, here, from its text:
 * Table 1 (XAI metrics, Fashion-MNIST columns), Table 6 (accuracy and the two multiclass hKR losses), Table 8
 * (Deletion-zero and Insertion-zero), Table 9 (Robustness-SR), Table 10 (JPEG size of the Saliency map), Table 11
 * (BlockMNIST null-block fractions). {@code PaperValuesTest} checks them against the paper's rows kept in the test
 * resources. Nothing else in the product may retype one of these figures.
 */
public final class PaperValues {

    private PaperValues() {}

    public static final String OTNN = "OTNN";
    public static final String UNCONSTRAINED = "Unconstrained";

    public static final String SALIENCY = "Saliency";
    public static final String SMOOTHGRAD = "SmoothGrad";
    public static final String INTEGRATED_GRADIENTS = "Integ. Grad.";
    public static final String GRADIENT_INPUT = "Grad. Input";
    public static final String GRADCAM = "GradCam";
    public static final String RISE = "Rise";

    public static final String MU_FIDELITY_UNIFORM = "µFidelity-Uniform (↑)";
    public static final String MU_FIDELITY_ZERO = "µFidelity-Zero (↑)";
    public static final String STABILITY = "Stability Spearman rank (↓)";
    public static final String DISTANCE = "Distance Saliency smoothgrad (↓)";

    /** Table 1, the Fashion-MNIST columns ("Fash. MNIST": OTNN, Uncst.). */
    public static final PaperTable TABLE_1 = new PaperTable(
            "1",
            "XAI metrics of attribution methods, OTNN against the unconstrained network (Fashion-MNIST columns)",
            List.of(OTNN, UNCONSTRAINED),
            List.of(
                    row(MU_FIDELITY_UNIFORM, SALIENCY, "0.156", "-0.001"),
                    row(MU_FIDELITY_UNIFORM, SMOOTHGRAD, "0.114", "-0.001"),
                    row(MU_FIDELITY_UNIFORM, INTEGRATED_GRADIENTS, "-0.005", "-0.013"),
                    row(MU_FIDELITY_UNIFORM, GRADIENT_INPUT, "-0.017", "-0.009"),
                    row(MU_FIDELITY_UNIFORM, GRADCAM, "0.215", "0.02"),
                    row(MU_FIDELITY_ZERO, SALIENCY, "0.246", "0.034"),
                    row(MU_FIDELITY_ZERO, SMOOTHGRAD, "0.332", "0.052"),
                    row(MU_FIDELITY_ZERO, INTEGRATED_GRADIENTS, "0.543", "0.134"),
                    row(MU_FIDELITY_ZERO, GRADIENT_INPUT, "0.479", "0.079"),
                    row(MU_FIDELITY_ZERO, GRADCAM, "0.161", "0.046"),
                    row(STABILITY, SALIENCY, "0.59", "0.91"),
                    row(STABILITY, SMOOTHGRAD, "0.55", "0.82"),
                    row(STABILITY, INTEGRATED_GRADIENTS, "0.61", "0.79"),
                    row(DISTANCE, SALIENCY, "7.5e-03", "7.0e-02")));

    public static final String ACCURACY = "Accuracy";
    public static final String TABLE_6_UNCONSTRAINED = "Unconstrained";
    public static final String TABLE_6_EQ4 = "OTNN hKR multiclass version [56] (λ = 10, m = 0.5) (Eq. 4)";
    public static final String TABLE_6_EQ5 = "(Ours) OTNN hKR (λ = 10, m = 0.5, α = 10) (Eq. 5)";

    /** Table 6: Fashion-MNIST test accuracy (%), the unconstrained network and the two multiclass hKR losses. */
    public static final PaperTable TABLE_6 = new PaperTable(
            "6",
            "Fashion-MNIST accuracy (%) with the two multiclass hKR losses",
            List.of(ACCURACY),
            List.of(
                    row("", TABLE_6_UNCONSTRAINED, "88.5"),
                    row("", TABLE_6_EQ4, "72.2"),
                    row("", TABLE_6_EQ5, "88.6")));

    public static final String DELETION_ZERO = "Deletion-Zero (↓)";
    public static final String INSERTION_ZERO = "Insertion-zero (↑)";
    /** The method columns of Tables 8 and 9, in the paper's order (GC, GI, IG, Rise, Saliency, SmoothGrad). */
    public static final List<String> TABLE_8_METHODS =
            List.of(GRADCAM, GRADIENT_INPUT, INTEGRATED_GRADIENTS, RISE, SALIENCY, SMOOTHGRAD);

    /** Table 8, the Fashion-MNIST rows; the Saliency cell's rank "(RkN)" is kept apart in {@link #SALIENCY_RANKS}. */
    public static final PaperTable TABLE_8 = new PaperTable(
            "8",
            "Deletion-zero and Insertion-zero AUC (Fashion-MNIST rows)",
            TABLE_8_METHODS,
            List.of(
                    row(DELETION_ZERO, OTNN, "0.24", "0.16", "0.15", "0.26", "0.20", "0.19"),
                    row(DELETION_ZERO, UNCONSTRAINED, "0.33", "0.28", "0.23", "0.16", "0.38", "0.39"),
                    row(INSERTION_ZERO, OTNN, "0.31", "0.46", "0.47", "0.36", "0.36", "0.39"),
                    row(INSERTION_ZERO, UNCONSTRAINED, "0.53", "0.59", "0.68", "0.73", "0.45", "0.46")));

    public static final String ROBUSTNESS_SR = "Robustness-SR (↓)";

    /** Table 9, the Fashion-MNIST rows. */
    public static final PaperTable TABLE_9 = new PaperTable(
            "9",
            "Robustness-SR (Fashion-MNIST rows)",
            TABLE_8_METHODS,
            List.of(
                    row(ROBUSTNESS_SR, OTNN, "1.69", "3.31", "3.36", "3.27", "2.29", "2.01"),
                    row(ROBUSTNESS_SR, UNCONSTRAINED, "1.17", "1.36", "1.17", "1.15", "1.21", "1.25")));

    /** The rank of Saliency among the six methods that the paper prints beside Tables 8 and 9's Saliency cells. */
    public static final List<PaperTable.Row> SALIENCY_RANKS = List.of(
            row(DELETION_ZERO, OTNN, "Rk4"),
            row(DELETION_ZERO, UNCONSTRAINED, "Rk5"),
            row(INSERTION_ZERO, OTNN, "Rk4"),
            row(INSERTION_ZERO, UNCONSTRAINED, "Rk6"),
            row(ROBUSTNESS_SR, OTNN, "Rk3"),
            row(ROBUSTNESS_SR, UNCONSTRAINED, "Rk4"));

    public static final String JPEG_KB = "FashionMNIST";

    /** Table 10: the JPEG size (kB) of the Saliency map, Fashion-MNIST column. */
    public static final PaperTable TABLE_10 = new PaperTable(
            "10",
            "Complexity of the Saliency map: JPEG size (kB), lower is better (Fashion-MNIST column)",
            List.of(JPEG_KB),
            List.of(row("", OTNN, "0.92"), row("", UNCONSTRAINED, "0.94")));

    public static final String TABLE_11_UNCONSTRAINED = "Unconstrained [57]";
    public static final String TABLE_11_ADVERSARIAL = "Adversarial [57]";
    /** Table 11's unmasking fractions k (%), as column headers. */
    public static final List<String> TABLE_11_K = List.of("2.5", "5", "10", "15", "20", "25", "30");

    /** Table 11: fraction (%) of the top-k Saliency pixels that fall in BlockMNIST's null block (0 vs 1). */
    public static final PaperTable TABLE_11 = new PaperTable(
            "11",
            "BlockMNIST (0 vs 1): fraction (%) of the top-k pixels of the Saliency map in the null block",
            TABLE_11_K,
            List.of(
                    row("", TABLE_11_UNCONSTRAINED, "43.8", "42.5", "44.8", "46.5", "47.5", "48.1", "48.4"),
                    row("", TABLE_11_ADVERSARIAL, "< 1", "< 1", "2.3", "7.9", "16.7", "24.2", "29.9"),
                    row("", OTNN, "< 1", "< 1", "1.8", "6.6", "16.8", "26.0", "32.9")));

    /** Every table, in the report's order. */
    public static final List<PaperTable> ALL = List.of(TABLE_1, TABLE_6, TABLE_8, TABLE_9, TABLE_10, TABLE_11);

    public static String saliencyRank(String section, String network) {
        for (PaperTable.Row r : SALIENCY_RANKS) {
            if (r.section().equals(section) && r.label().equals(network))
                return r.cells().get(0);
        }
        throw new IllegalArgumentException("no Saliency rank for " + section + " / " + network);
    }

    private static PaperTable.Row row(String section, String label, String... cells) {
        return new PaperTable.Row(section, label, List.of(cells));
    }
}
