package io.otnn.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The signatures a checkpoint must export (docs/checkpoint-format.md) checked against its metadata: every signature
 * takes {@code images [N, H, W, C]}, {@code explain_to} also {@code target [N]}; {@code logits} is {@code [N, K]}, the
 * gradients are shaped like the images.
 */
public final class SignatureContract {

    /** The SavedModel's graph, at the checkpoint's root. */
    public static final String SAVED_MODEL_FILE = "saved_model.pb";
    /** The SavedModel tag the signatures are exported and loaded under. */
    public static final String TAG = "serve";

    public static final String SERVING = "serving_default";
    public static final String EXPLAIN = "explain";
    public static final String EXPLAIN_TO = "explain_to";
    /**
     * Optional (networks with a convolutional layer): Grad-CAM of the class {@code target} on the last convolutional
     * block; inputs {@code images} and {@code target}, outputs {@code logits} and {@link #CAM}.
     */
    public static final String GRADCAM = "gradcam";
    /**
     * Optional (every network the trainer exports): the explanation and its self-check in one session run. Inputs
     * {@code images} and the step factor {@link #STEP}; outputs {@code logits}, {@code grad_top1} and {@code grad_margin}
     * as {@code explain}, the boundary points {@link #BOUNDARY}, the counterfactuals {@link #COUNTERFACTUAL} and the
     * logits of both ({@link #BOUNDARY_LOGITS}, {@link #COUNTERFACTUAL_LOGITS}).
     */
    public static final String EXPLAIN_CHECKED = "explain_checked";

    /** Input: float32 images {@code [N, H, W, C]} in the model's input range (every signature). */
    public static final String IMAGES = "images";
    /** Input of {@code explain_to}: int32 target class {@code [N]}. */
    public static final String TARGET = "target";
    /** Input of {@code explain_checked}: float64 scalar step factor t of the counterfactual. */
    public static final String STEP = "t";
    /** Output: float32 logits {@code [N, K]} (every signature). */
    public static final String LOGITS = "logits";
    /** Output of {@code explain} and {@code explain_to}: ∇ₓ f_top1, shaped like the images. */
    public static final String GRAD_TOP1 = "grad_top1";
    /** Output of {@code explain} (∇ₓ (f_top1 − f_top2)) and {@code explain_to} (∇ₓ (f_pred − f_target)). */
    public static final String GRAD_MARGIN = "grad_margin";
    /**
     * Output of {@code gradcam}: float32 {@code [N, H, W]} = ReLU(Σ_k α_k A_k) with A the output of the last
     * convolutional block (after its activation) and α_k the spatial mean of ∂f_target/∂A_k, bilinearly resized to the
     * input's H×W (half-pixel centres), not normalised.
     */
    public static final String CAM = "cam";
    /**
     * Output of {@code explain_checked}: x_δ = x − g·∇g/‖∇g‖², shaped like the images, not clipped; g = f_top1 − f_top2
     * and ∇g = {@code grad_margin} (one logit: x − f·∇f/‖∇f‖²); x_δ = x where ‖∇g‖ = 0 or g = 0. The step is taken in
     * float64 and rounded once.
     */
    public static final String BOUNDARY = "boundary";
    /** Output of {@code explain_checked}: x_cf = clip(x − t·g·∇g/‖∇g‖², input min, input max), shaped like the images. */
    public static final String COUNTERFACTUAL = "counterfactual";
    /** Output of {@code explain_checked}: the logits {@code [N, K]} of the boundary points. */
    public static final String BOUNDARY_LOGITS = "boundary_logits";
    /** Output of {@code explain_checked}: the logits {@code [N, K]} of the counterfactuals. */
    public static final String COUNTERFACTUAL_LOGITS = "counterfactual_logits";
    /** The key of the list of exported signatures in {@code otnn-model.json}'s {@code architecture} object. */
    public static final String SIGNATURES_FIELD = "signatures";

    private SignatureContract() {}

    /** Whether the metadata lists the optional {@code gradcam} signature among the exported ones. */
    public static boolean declaresGradCam(ModelMetadata metadata) {
        return declares(metadata, GRADCAM);
    }

    /** Whether the metadata lists the signature {@code key} among the exported ones. */
    public static boolean declares(ModelMetadata metadata, String key) {
        var arch = metadata.architecture();
        if (arch == null || !arch.has(SIGNATURES_FIELD)) return false;
        for (var s : arch.get(SIGNATURES_FIELD)) if (key.equals(s.asText())) return true;
        return false;
    }

    /**
     * Checks the three required signatures, and each optional one ({@code gradcam}, {@code explain_checked}) when the
     * SavedModel has it or the metadata lists it.
     *
     * @param inputs  signature → input name → dims (-1 = any, null = unknown rank)
     * @param outputs signature → output name → dims
     * @throws CheckpointException naming saved_model.pb and every problem found
     */
    public static void check(
            Path savedModel,
            ModelMetadata metadata,
            Map<String, Map<String, long[]>> inputs,
            Map<String, Map<String, long[]>> outputs) {
        List<String> problems = new ArrayList<>();
        ModelMetadata.Input in = metadata.input();
        long[] image = {-1, in.height(), in.width(), in.channels()};
        long[] logits = {-1, metadata.logitCount()};
        for (String key : List.of(SERVING, EXPLAIN, EXPLAIN_TO)) {
            if (!inputs.containsKey(key)) {
                problems.add("signature '" + key + "' is missing (has " + inputs.keySet() + ")");
                continue;
            }
            expect(problems, key, "input", IMAGES, inputs.get(key), image);
            expect(problems, key, "output", LOGITS, outputs.get(key), logits);
            if (!key.equals(SERVING)) {
                expect(problems, key, "output", GRAD_TOP1, outputs.get(key), image);
                expect(problems, key, "output", GRAD_MARGIN, outputs.get(key), image);
            }
            if (key.equals(EXPLAIN_TO)) expect(problems, key, "input", TARGET, inputs.get(key), new long[] {-1});
        }
        if (inputs.containsKey(GRADCAM)) {
            expect(problems, GRADCAM, "input", IMAGES, inputs.get(GRADCAM), image);
            expect(problems, GRADCAM, "input", TARGET, inputs.get(GRADCAM), new long[] {-1});
            expect(problems, GRADCAM, "output", LOGITS, outputs.get(GRADCAM), logits);
            expect(problems, GRADCAM, "output", CAM, outputs.get(GRADCAM), new long[] {-1, in.height(), in.width()});
        } else if (declaresGradCam(metadata)) {
            problems.add(
                    "signature '" + GRADCAM + "' is listed in the metadata but missing (has " + inputs.keySet() + ")");
        }
        if (inputs.containsKey(EXPLAIN_CHECKED)) {
            Map<String, long[]> in2 = inputs.get(EXPLAIN_CHECKED);
            Map<String, long[]> out2 = outputs.get(EXPLAIN_CHECKED);
            expect(problems, EXPLAIN_CHECKED, "input", IMAGES, in2, image);
            expect(problems, EXPLAIN_CHECKED, "input", STEP, in2, new long[0]);
            for (String name : List.of(LOGITS, BOUNDARY_LOGITS, COUNTERFACTUAL_LOGITS)) {
                expect(problems, EXPLAIN_CHECKED, "output", name, out2, logits);
            }
            for (String name : List.of(GRAD_TOP1, GRAD_MARGIN, BOUNDARY, COUNTERFACTUAL)) {
                expect(problems, EXPLAIN_CHECKED, "output", name, out2, image);
            }
        } else if (declares(metadata, EXPLAIN_CHECKED)) {
            problems.add("signature '" + EXPLAIN_CHECKED + "' is listed in the metadata but missing (has "
                    + inputs.keySet() + ")");
        }
        if (!problems.isEmpty()) {
            throw new CheckpointException(savedModel + ": " + String.join("; ", problems));
        }
    }

    private static void expect(
            List<String> problems, String key, String kind, String name, Map<String, long[]> tensors, long[] expected) {
        if (tensors == null || !tensors.containsKey(name)) {
            problems.add("signature '" + key + "' has no " + kind + " '" + name + "'");
            return;
        }
        long[] actual = tensors.get(name);
        if (actual == null) return; // unknown rank: nothing to compare, the run will tell
        boolean ok = actual.length == expected.length;
        for (int i = 0; ok && i < actual.length; i++) {
            ok = actual[i] == -1 || expected[i] == -1 || actual[i] == expected[i];
        }
        if (!ok) {
            problems.add("signature '" + key + "' " + kind + " '" + name + "' is " + Arrays.toString(actual)
                    + ", the metadata implies " + Arrays.toString(expected));
        }
    }
}
