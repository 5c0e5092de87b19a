package io.otnn.streams.batching;

import io.otnn.avro.Certificate;
import io.otnn.avro.Counterfactual;
import io.otnn.avro.EncodedTensor;
import io.otnn.avro.EventTimeAdjustment;
import io.otnn.avro.Explanation;
import io.otnn.avro.Timings;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.input.RejectionKind;
import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.records.CompactTensors;
import io.otnn.streams.records.ImageInput;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The post-processing of one image's result: checks that every figure is finite, encodes the saliency map, the
 * counterfactual and the input image as the model saw it, and builds the {@code Explanation} record of the Avro contract. The one place where the engine's
 * {@link ImageExplanation} becomes the published record: a field added to {@code Explanation.avsc} is filled here.
 * A result that fails is refused with its own kind.
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
    Explanation build(
            WaitingImage image, ImageExplanation result, long batchStart, double modelMs, int batchSize, long now)
            throws RejectedRecordException {
        return build(image, result, batchStart, modelMs, batchSize, now, null);
    }

    /**
     * The same, with the input image already encoded (a shadow model's explanation of the image, whose primary
     * explanation carries it), or {@code null} to encode it here.
     */
    Explanation build(
            WaitingImage image,
            ImageExplanation result,
            long batchStart,
            double modelMs,
            int batchSize,
            long now,
            EncodedTensor encodedInput)
            throws RejectedRecordException {
        ImageInput input = image.input();
        checkFiniteFigures(input, result);
        // the maps' finiteness is checked by their encoding's own pass over them (a map that fails to encode is
        // scanned then), in the order the checks always had: saliency, counterfactual, then the encodings
        present(input, "gradient (saliency)", result.saliency());
        EncodedTensor saliency;
        try {
            saliency = CompactTensors.encode(
                    result.saliency(),
                    model.input().height(),
                    model.input().width(),
                    model.input().channels());
        } catch (RuntimeException e) {
            finite(input, "gradient (saliency)", result.saliency());
            finite(input, "counterfactual", result.counterfactual());
            throw unencodable(input, "saliency map", e);
        }
        present(input, "counterfactual", result.counterfactual());
        EncodedTensor counterfactual;
        try {
            counterfactual = CompactTensors.encode(
                    result.counterfactual(),
                    model.input().height(),
                    model.input().width(),
                    model.input().channels());
        } catch (RuntimeException e) {
            finite(input, "counterfactual", result.counterfactual());
            throw unencodable(input, "counterfactual", e);
        }
        EncodedTensor pixels = encodedInput != null ? encodedInput : encode(input, "input image", image.pixels());
        long eventTime = image.eventTime();
        List<Float> scores = new ArrayList<>(result.scores().length);
        for (float score : result.scores()) {
            scores.add(score);
        }
        return Explanation.newBuilder()
                .setImageId(input.imageId())
                .setEventTime(Instant.ofEpochMilli(input.eventTime()))
                .setModelName(model.name())
                .setModelVersion(model.version())
                .setLabel(input.label())
                .setPredictedClass(result.predicted())
                .setPredictedClassName(result.predictedName())
                .setRunnerUpClass(result.runnerUp())
                .setRunnerUpClassName(result.runnerUpName())
                .setScores(scores)
                .setCertificate(Certificate.newBuilder()
                        .setRadius(result.radius())
                        .setMargin(result.margin())
                        .setFactor(result.certificateFactor())
                        .setLipschitz(result.lipschitz())
                        .build())
                .setSaliency(saliency)
                .setSignedGradient(null)
                .setCounterfactual(Counterfactual.newBuilder()
                        .setTargetClass(result.runnerUp())
                        .setTargetClassName(result.runnerUpName())
                        .setT(result.t())
                        .setDistance(result.distance())
                        .setBoundaryDistance(result.boundaryDistance())
                        .setImage(counterfactual)
                        .setPredictedClass(result.counterfactualClass())
                        .setBoundaryResidual(result.boundaryResidual())
                        .build())
                .setTimings(Timings.newBuilder()
                        .setQueuedMs(Math.max(0, batchStart - eventTime))
                        .setModelMs(modelMs)
                        .setTotalMs(Math.max(0, now - eventTime))
                        .build())
                .setBatchSize(batchSize)
                .setExplainerInstance(application)
                .setEventTimeAdjustment(
                        EventTimeAdjustment.valueOf(image.timeAdjustment().name()))
                .setExplainedAt(Instant.ofEpochMilli(now))
                .setInput(pixels)
                .build();
    }

    /** Every figure but the two maps, which {@link #build} checks as it encodes them. */
    private static void checkFiniteFigures(ImageInput input, ImageExplanation r) throws RejectedRecordException {
        finite(input, "margin", r.margin());
        finite(input, "radius", r.radius());
        finite(input, "certificate factor", r.certificateFactor());
        finite(input, "Lipschitz constant", r.lipschitz());
        finite(input, "t", r.t());
        finite(input, "counterfactual distance", r.distance());
        finite(input, "boundary distance", r.boundaryDistance());
        finite(input, "boundary residual", r.boundaryResidual());
        finite(input, "score", r.scores());
    }

    private static void present(ImageInput input, String what, float[] values) throws RejectedRecordException {
        if (values == null) {
            throw new RejectedRecordException(
                    RejectionKind.UNENCODABLE_RESULT, "the model returned no " + what, input.imageId(), null);
        }
    }

    private static void finite(ImageInput input, String what, double value) throws RejectedRecordException {
        if (!Double.isFinite(value)) {
            throw nonFinite(input, "the model's " + what + " is " + value);
        }
    }

    private static void finite(ImageInput input, String what, float[] values) throws RejectedRecordException {
        present(input, what, values);
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw nonFinite(input, "the model's " + what + " " + i + " is " + values[i]);
            }
        }
    }

    private static RejectedRecordException nonFinite(ImageInput input, String message) {
        return new RejectedRecordException(
                RejectionKind.NON_FINITE_RESULT,
                message + " (an input far outside the model's range can overflow it)",
                input.imageId(),
                null);
    }

    private EncodedTensor encode(ImageInput input, String what, float[] values) throws RejectedRecordException {
        try {
            return CompactTensors.encode(
                    values,
                    model.input().height(),
                    model.input().width(),
                    model.input().channels());
        } catch (RuntimeException e) {
            throw unencodable(input, what, e);
        }
    }

    private static RejectedRecordException unencodable(ImageInput input, String what, RuntimeException e) {
        return new RejectedRecordException(
                RejectionKind.UNENCODABLE_RESULT,
                "cannot encode the " + what + ": " + e.getMessage(),
                input.imageId(),
                e);
    }
}
