package io.otnn.checkpoint;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The required signatures and the optional {@code gradcam} and {@code explain_checked} ones, against the metadata (28×28×1, 3 classes). */
class SignatureContractTest {

    private static final Path PB = Path.of("ckpt", SignatureContract.SAVED_MODEL_FILE);

    private final Map<String, Map<String, long[]>> inputs = new LinkedHashMap<>();
    private final Map<String, Map<String, long[]>> outputs = new LinkedHashMap<>();

    SignatureContractTest() {
        long[] image = {-1, 28, 28, 1};
        for (String key :
                new String[] {SignatureContract.SERVING, SignatureContract.EXPLAIN, SignatureContract.EXPLAIN_TO}) {
            Map<String, long[]> in = new HashMap<>(Map.of(SignatureContract.IMAGES, image));
            if (key.equals(SignatureContract.EXPLAIN_TO)) in.put(SignatureContract.TARGET, new long[] {-1});
            Map<String, long[]> out = new HashMap<>(Map.of(SignatureContract.LOGITS, new long[] {-1, 3}));
            if (!key.equals(SignatureContract.SERVING)) {
                out.put(SignatureContract.GRAD_TOP1, image);
                out.put(SignatureContract.GRAD_MARGIN, image);
            }
            inputs.put(key, in);
            outputs.put(key, out);
        }
    }

    private void addGradCam(long[] cam) {
        inputs.put(
                SignatureContract.GRADCAM,
                Map.of(SignatureContract.IMAGES, new long[] {-1, 28, 28, 1}, SignatureContract.TARGET, new long[] {-1
                }));
        outputs.put(
                SignatureContract.GRADCAM,
                Map.of(SignatureContract.LOGITS, new long[] {-1, 3}, SignatureContract.CAM, cam));
    }

    private void addExplainChecked(long[] step, long[] boundary, long[] counterfactualLogits) {
        long[] image = {-1, 28, 28, 1};
        long[] logits = {-1, 3};
        inputs.put(
                SignatureContract.EXPLAIN_CHECKED,
                Map.of(SignatureContract.IMAGES, image, SignatureContract.STEP, step));
        outputs.put(
                SignatureContract.EXPLAIN_CHECKED,
                Map.of(
                        SignatureContract.LOGITS, logits,
                        SignatureContract.GRAD_TOP1, image,
                        SignatureContract.GRAD_MARGIN, image,
                        SignatureContract.BOUNDARY, boundary,
                        SignatureContract.COUNTERFACTUAL, image,
                        SignatureContract.BOUNDARY_LOGITS, logits,
                        SignatureContract.COUNTERFACTUAL_LOGITS, counterfactualLogits));
    }

    private static ModelMetadata listing(String... signatures) {
        ModelMetadata m = ModelMetadataTest.sample();
        var list = m.architecture().putArray(SignatureContract.SIGNATURES_FIELD);
        for (String s : signatures) list.add(s);
        return m;
    }

    @Test
    void shouldAcceptTheRequiredSignaturesWhenGradCamIsAbsent() {
        assertThatCode(() -> SignatureContract.check(PB, ModelMetadataTest.sample(), inputs, outputs))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldAcceptGradCamWhenItsCamHasTheImagesHeightAndWidth() {
        addGradCam(new long[] {-1, 28, 28});
        ModelMetadata m = listing("serving_default", "explain", "explain_to", "gradcam");
        assertThatCode(() -> SignatureContract.check(PB, m, inputs, outputs)).doesNotThrowAnyException();
        org.assertj.core.api.Assertions.assertThat(SignatureContract.declaresGradCam(m))
                .isTrue();
        org.assertj.core.api.Assertions.assertThat(SignatureContract.declaresGradCam(ModelMetadataTest.sample()))
                .isFalse();
    }

    @Test
    void shouldNameTheCamWhenItIsNotShapedLikeTheImages() {
        addGradCam(new long[] {-1, 7, 7});
        assertThatThrownBy(() -> SignatureContract.check(PB, ModelMetadataTest.sample(), inputs, outputs))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(
                        "signature 'gradcam' output 'cam' is [-1, 7, 7], the metadata implies [-1, 28, 28]");
    }

    @Test
    void shouldNameGradCamWhenTheMetadataListsItButTheSavedModelLacksIt() {
        ModelMetadata m = listing("serving_default", "explain", "explain_to", "gradcam");
        assertThatThrownBy(() -> SignatureContract.check(PB, m, inputs, outputs))
                .hasMessageContaining("signature 'gradcam' is listed in the metadata but missing");
    }

    @Test
    void shouldAcceptExplainCheckedWhenItsOutputsAreShapedLikeTheImagesAndTheLogits() {
        addExplainChecked(new long[0], new long[] {-1, 28, 28, 1}, new long[] {-1, 3});
        ModelMetadata m = listing("serving_default", "explain", "explain_to", "explain_checked");
        assertThatCode(() -> SignatureContract.check(PB, m, inputs, outputs)).doesNotThrowAnyException();
        org.assertj.core.api.Assertions.assertThat(SignatureContract.declares(m, SignatureContract.EXPLAIN_CHECKED))
                .isTrue();
    }

    @Test
    void shouldNameEveryMisshapenTensorWhenExplainCheckedIsMalformed() {
        addExplainChecked(new long[] {-1}, new long[] {-1, 28, 28}, new long[] {-1, 4});
        assertThatThrownBy(() -> SignatureContract.check(PB, ModelMetadataTest.sample(), inputs, outputs))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("signature 'explain_checked' input 't' is [-1], the metadata implies []")
                .hasMessageContaining(
                        "signature 'explain_checked' output 'boundary' is [-1, 28, 28], the metadata implies [-1, 28, 28, 1]")
                .hasMessageContaining(
                        "signature 'explain_checked' output 'counterfactual_logits' is [-1, 4], the metadata implies [-1, 3]");
    }

    @Test
    void shouldNameTheMissingOutputWhenExplainCheckedLacksTheCounterfactual() {
        addExplainChecked(new long[0], new long[] {-1, 28, 28, 1}, new long[] {-1, 3});
        Map<String, long[]> out = new HashMap<>(outputs.get(SignatureContract.EXPLAIN_CHECKED));
        out.remove(SignatureContract.COUNTERFACTUAL);
        outputs.put(SignatureContract.EXPLAIN_CHECKED, out);
        assertThatThrownBy(() -> SignatureContract.check(PB, ModelMetadataTest.sample(), inputs, outputs))
                .hasMessageContaining("signature 'explain_checked' has no output 'counterfactual'");
    }

    @Test
    void shouldNameExplainCheckedWhenTheMetadataListsItButTheSavedModelLacksIt() {
        ModelMetadata m = listing("serving_default", "explain", "explain_to", "explain_checked");
        assertThatThrownBy(() -> SignatureContract.check(PB, m, inputs, outputs))
                .hasMessageContaining("signature 'explain_checked' is listed in the metadata but missing");
    }
}
