package io.otnn.explain.metrics;

import io.otnn.explain.attribution.Rise;
import java.util.LinkedHashMap;
import java.util.Map;

/** The text of each definition tag the evaluation's columns carry (written under the tables and into the JSON). */
public final class Definitions {

    private Definitions() {}

    /** Tag → definition, for the options of one evaluation. */
    public static Map<String, String> of(Evaluation.Options o) {
        Map<String, String> out = new LinkedHashMap<>();
        int cells = o.grid() * o.grid();
        out.put(
                o.muFidelityTag(),
                "µFidelity: Spearman ρ between f_c(x) − f_c(x̃_S) and Σ_S φ over " + o.muFidelitySamples()
                        + " subsets S of a " + o.grid() + "×" + o.grid() + " grid upsampled to H×W by nearest "
                        + "neighbour; "
                        + (o.sampling() == MuFidelity.Sampling.XPLIQUE_EXACT_COUNT
                                ? "exactly " + ((int) (cells * o.subsetPercent()) + 1) + " cells per subset "
                                        + "(Xplique 2021 – 2023-10), one uniform baseline per image"
                                : "each cell removed with probability " + o.subsetPercent()
                                        + ", a uniform baseline per subset")
                        + "; masks shared by all images; NaN ρ counts 0");
        out.put(
                "xplique≤1.3.0 (H,W) broadcast",
                "µFidelity as Xplique up to 1.3.0 scores a channel-reduced (H, W) map (its Saliency and Grad-CAM): "
                        + "φ·(1 − mask) broadcasts to (S, H, H, W), so subset S sums row x of φ times the removed pixels "
                        + "of column x; Xplique 1.3.1 fixed it. SmoothGrad, IG and Gradient×Input maps kept their "
                        + "channel axis there and were scored as in the plain column");
        Stability.Definition st = o.stability();
        out.put(
                o.stabilityTag(),
                "Stability: mean distance between φ(x) and φ at " + st.samples() + " fixed neighbours "
                        + switch (st.ball()) {
                            case UNIFORM -> "x + U[0, " + st.radius() + "]^d, not clipped (Xplique since 2022-01)";
                            case L2 -> "uniform in the L2 ball of radius " + st.radius();
                            case LINF -> "x + U(−" + st.radius() + ", " + st.radius() + ")^d";
                        }
                        + "; 1-spearman = 1 − ρ (paper Table 1), l2-squared = Σ (φ − φ')² (Xplique 'l2' to 2023-10)");
        out.put(
                "xplique 10 steps",
                "Deletion/Insertion: f_c (logit) with the top 0, d/10, …, d pixels of the channel-mean φ set to the "
                        + "baseline (Deletion) or restored onto it (Insertion), 11 points, trapezoidal mean; zero or "
                        + "one uniform image per image (Xplique CausalFidelity)");
        out.put(
                o.robustnessTag(),
                "Robustness-SR: minimal L2 perturbation that changes the class when only the top-K pixels of |φ| "
                        + "move, K = 5 … 45 % (Hsieh et al.), found by DeepFool restricted to the set (overshoot "
                        + RobustnessSr.DEFAULT_OVERSHOOT + ", " + RobustnessSr.DEFAULT_MAX_STEPS
                        + " steps, clipped to the input range, failure counts ‖x‖₂); trapezoidal mean over K");
        out.put(
                "gray8 q0.75",
                "JPEG size in kB of |φ| (max over channels) scaled to its max as 8-bit gray, ImageIO quality 0.75");
        out.put(
                "Rise",
                "RISE: Σ_k f_c(x ⊙ M_k) M_k / (Σ_k M_k + 1e-4) over " + o.riseMasks() + " seeded masks: "
                        + Rise.DEFAULT_GRID + "×"
                        + Rise.DEFAULT_GRID + " cells kept with probability "
                        + Rise.DEFAULT_PRESERVATION
                        + ", upsampled bilinearly to ⌊H(1 + 1/grid)⌋, cropped to H×W at a random offset per mask"
                        + " (Xplique Rise's defaults); no Stability: each neighbour would need a RISE of its own");
        for (ExplanationMetrics.MapDistance d : ExplanationMetrics.MapDistance.values()) {
            out.put(
                    d.label(),
                    "Saliency–SmoothGrad distance between Saliency and |SmoothGrad|: "
                            + switch (d) {
                                case L2_SQUARED -> "Σ (a − b)², no root (Xplique 'l2' to 2023-10)";
                                case L2_SQUARED_MAX_NORMALISED -> "Σ (a/max a − b/max b)²";
                                case L2_SQUARED_UNIT_NORM -> "Σ (a/‖a‖ − b/‖b‖)² (this product's earlier definition)";
                                case L2 -> "√Σ (a − b)² (Xplique 'l2' since 2023-10)";
                                case ONE_MINUS_SPEARMAN -> "1 − Spearman ρ";
                            });
        }
        return out;
    }
}
