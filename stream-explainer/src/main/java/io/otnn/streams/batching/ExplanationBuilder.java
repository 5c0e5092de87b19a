package io.otnn.streams.batching;

import java.util.ArrayList;
import java.util.List;

import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.explain.input.RejectionKind;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.checkpoint.ModelMetadata;
import io.otnn.streams.records.CompactTensors;
import io.otnn.streams.records.EncodedTensor;
import io.otnn.streams.records.ExplanationRecord;
import io.otnn.streams.records.ImageInput;

/**
 * The post-processing of one image's result: checks that every figure is finite, encodes the saliency map and the
 * counterfactual, and builds the explanation record. A result that fails is refused with its own kind.
 */
final class ExplanationBuilder {

    private final ModelMetadata model;
    private final String application;

    ExplanationBuilder(ModelMetadata model, String application) {
        this.model = model;
        this.application = application;
    }

    /**
     * @param batchStart wall clock when the batch started (epoch ms)
     * @param modelMs    duration of the model call that produced {@code result}
     * @param batchSize  images in that call
     * @param now        wall clock now (epoch ms)
     */
    ExplanationRecord build(WaitingImage image, ImageExplanation result, long batchStart, double modelMs, int batchSize,
                            long now) throws RejectedRecordException {
        ImageInput input = image.input();
        checkFinite(input, result);
        EncodedTensor saliency = encode(input, "saliency map", result.saliency());
        EncodedTensor counterfactual = encode(input, "counterfactual", result.counterfactual());
        long eventTime = image.eventTime();
        List<Float> scores = new ArrayList<>(result.scores().length);
        for (float score : result.scores()) {
            scores.add(score);
        }
        return new ExplanationRecord(input.imageId(), model.name(), model.version(),
                result.predicted(), model.className(result.predicted()), result.runnerUp(),
                model.className(result.runnerUp()), scores, result.margin(), result.radius(),
                result.certificateFactor(), result.lipschitz(), input.label(), saliency, counterfactual,
                result.counterfactualClass(), result.t(), result.distance(), result.boundaryDistance(),
                result.boundaryResidual(),
                Math.max(0, batchStart - eventTime), modelMs, Math.max(0, now - eventTime), batchSize, application,
                input.eventTime(), now, image.timeAdjustment());
    }

    private static void checkFinite(ImageInput input, ImageExplanation r) throws RejectedRecordException {
        finite(input, "margin", r.margin());
        finite(input, "radius", r.radius());
        finite(input, "certificate factor", r.certificateFactor());
        finite(input, "Lipschitz constant", r.lipschitz());
        finite(input, "t", r.t());
        finite(input, "counterfactual distance", r.distance());
        finite(input, "boundary distance", r.boundaryDistance());
        finite(input, "boundary residual", r.boundaryResidual());
        finite(input, "score", r.scores());
        finite(input, "gradient (saliency)", r.saliency());
        finite(input, "counterfactual", r.counterfactual());
    }

    private static void finite(ImageInput input, String what, double value) throws RejectedRecordException {
        if (!Double.isFinite(value)) {
            throw nonFinite(input, "the model's " + what + " is " + value);
        }
    }

    private static void finite(ImageInput input, String what, float[] values) throws RejectedRecordException {
        if (values == null) {
            throw new RejectedRecordException(RejectionKind.UNENCODABLE_RESULT, "the model returned no " + what,
                    input.imageId(), null);
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw nonFinite(input, "the model's " + what + " " + i + " is " + values[i]);
            }
        }
    }

    private static RejectedRecordException nonFinite(ImageInput input, String message) {
        return new RejectedRecordException(RejectionKind.NON_FINITE_RESULT,
                message + " (an input far outside the model's range can overflow it)", input.imageId(), null);
    }

    private EncodedTensor encode(ImageInput input, String what, float[] values) throws RejectedRecordException {
        try {
            return CompactTensors.encode(values, model.input().height(), model.input().width(), model.input().channels());
        } catch (RuntimeException e) {
            throw new RejectedRecordException(RejectionKind.UNENCODABLE_RESULT,
                    "cannot encode the " + what + ": " + e.getMessage(), input.imageId(), e);
        }
    }
}
