package io.otnn.streams.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.otnn.avro.EncodedTensor;
import io.otnn.avro.Explanation;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.input.RejectionKind;
import io.otnn.explain.render.CompactTensor;
import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.input.ReceivedImage;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.time.EventTime;
import io.otnn.streams.time.TimeAdjustment;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExplanationBuilderTest {

    private static final ModelMetadata MODEL = new ModelMetadata(
            ModelMetadata.FORMAT_VERSION,
            "builder-test",
            2,
            Instant.EPOCH,
            ModelMetadata.Task.MULTICLASS,
            List.of("a", "b"),
            ModelMetadata.Input.unitRange(2, 2, 1),
            1.0,
            1.0,
            null,
            null,
            null,
            null,
            null);

    private static final float[] PIXELS = {0f, 0.25f, 0.5f, 1f};
    private static final float[] SALIENCY = {0.1f, 0.4f, 0.2f, 0.3f};
    private static final float[] COUNTERFACTUAL = {0.2f, 0.3f, 0.6f, 0.9f};

    private final ExplanationBuilder builder = new ExplanationBuilder(MODEL, "test-app");

    @Test
    void shouldEncodeEachMapAsCompactTensorDoesWhenTheResultIsFinite() throws RejectedRecordException {
        Explanation explanation = builder.build(image(), result(SALIENCY, COUNTERFACTUAL), 10, 1.5, 1, 20);

        assertEncoded(explanation.getSaliency(), SALIENCY);
        assertEncoded(explanation.getCounterfactual().getImage(), COUNTERFACTUAL);
        assertEncoded(explanation.getInput(), PIXELS);
        assertThat(explanation.getScores()).containsExactly(0.9f, 0.1f);
    }

    @Test
    void shouldRefuseAsNonFiniteWhenTheSaliencyMapHoldsANaN() {
        RejectedRecordException e = refusal(result(new float[] {0.1f, 0.2f, Float.NaN, 0.3f}, COUNTERFACTUAL));

        assertThat(e.kind()).isEqualTo(RejectionKind.NON_FINITE_RESULT);
        assertThat(e.getMessage()).contains("the model's gradient (saliency) 2 is NaN");
    }

    @Test
    void shouldRefuseAsNonFiniteWhenOnlyTheCounterfactualHoldsAnInfinity() {
        RejectedRecordException e = refusal(result(SALIENCY, new float[] {0.1f, Float.POSITIVE_INFINITY, 0.2f, 0.3f}));

        assertThat(e.kind()).isEqualTo(RejectionKind.NON_FINITE_RESULT);
        assertThat(e.getMessage()).contains("the model's counterfactual 1 is Infinity");
    }

    @Test
    void shouldRefuseTheNonFiniteCounterfactualFirstWhenTheSaliencyMapHasTheWrongSize() {
        RejectedRecordException e = refusal(result(new float[] {0.1f, 0.2f, 0.3f}, new float[] {Float.NaN, 0, 0, 0}));

        assertThat(e.kind()).isEqualTo(RejectionKind.NON_FINITE_RESULT);
        assertThat(e.getMessage()).contains("the model's counterfactual 0 is NaN");
    }

    @Test
    void shouldRefuseAsUnencodableWhenAMapIsMissingOrHasTheWrongSize() {
        RejectedRecordException missing = refusal(result(null, COUNTERFACTUAL));
        RejectedRecordException missingCounterfactual = refusal(result(SALIENCY, null));
        RejectedRecordException wrongSize = refusal(result(SALIENCY, new float[] {0.1f, 0.2f}));

        assertThat(missing.kind()).isEqualTo(RejectionKind.UNENCODABLE_RESULT);
        assertThat(missing.getMessage()).contains("the model returned no gradient (saliency)");
        assertThat(missingCounterfactual.kind()).isEqualTo(RejectionKind.UNENCODABLE_RESULT);
        assertThat(missingCounterfactual.getMessage()).contains("the model returned no counterfactual");
        assertThat(wrongSize.kind()).isEqualTo(RejectionKind.UNENCODABLE_RESULT);
        assertThat(wrongSize.getMessage()).contains("cannot encode the counterfactual");
    }

    private RejectedRecordException refusal(ImageExplanation result) {
        return catchThrowableOfType(
                () -> builder.build(image(), result, 10, 1.5, 1, 20), RejectedRecordException.class);
    }

    private static void assertEncoded(EncodedTensor encoded, float[] values) {
        CompactTensor expected = CompactTensor.encode(values, 2, 2, 1);
        ByteBuffer data = encoded.getData().duplicate();
        byte[] png = new byte[data.remaining()];
        data.get(png);
        assertThat(png).isEqualTo(expected.png());
        assertThat(encoded.getShape()).containsExactly(2, 2, 1);
        assertThat(encoded.getScale()).isEqualTo((float) expected.scale());
        assertThat(encoded.getOffset()).isEqualTo((float) expected.offset());
    }

    private static WaitingImage image() {
        ImageInput input = new ImageInput("img-1", "RAW_U8", 2, 2, 1, new byte[4], 1, 5);
        return new WaitingImage(
                null,
                new ReceivedImage("images", 0, 7, 5, 6, new byte[0], new byte[0]),
                input,
                PIXELS,
                new EventTime(5, TimeAdjustment.NONE),
                null);
    }

    private static ImageExplanation result(float[] saliency, float[] counterfactual) {
        return new ImageExplanation(
                new float[] {0.9f, 0.1f},
                0,
                "a",
                1,
                "b",
                false,
                0.8,
                0.4,
                0.5,
                1.0,
                saliency,
                null,
                null,
                counterfactual,
                0.7,
                0.3,
                0.35,
                1,
                0.01);
    }
}
