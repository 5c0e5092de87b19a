package io.otnn.streams.records;

import java.util.List;

import io.otnn.streams.time.TimeAdjustment;

/**
 * The explanation of one image, published on {@code otnn.explanations} keyed by image id.
 *
 * @param imageId             the image's id (also the key)
 * @param modelName           model that explained it
 * @param modelVersion        its version (monotonic)
 * @param predicted           k* = argmax f
 * @param predictedName       class name of k*
 * @param runnerUp            j, the runner-up class
 * @param runnerUpName        class name of j
 * @param scores              the logits f(x)
 * @param margin              f_k* − f_j
 * @param certificate         certified L2 radius (f_k* − f_j) / (c · L)
 * @param certificateFactor   c
 * @param lipschitz           L
 * @param label               true class if the event carried one
 * @param saliency            |∇ₓ f_k*| as a compact PNG
 * @param counterfactual      x_cf as a compact PNG
 * @param counterfactualClass class of x_cf on re-evaluation
 * @param counterfactualT     the overshoot t (&gt; 1) of x_cf past the boundary
 * @param counterfactualDistance ‖x_cf − x‖₂
 * @param boundaryDistance    ‖x_δ − x‖₂
 * @param boundaryResidual    g(x_δ), close to 0 for an OTNN
 * @param queuedMs            ingest time (the image's event time, else its record timestamp) → batch start
 * @param modelMs             the batch's model call
 * @param totalMs             ingest time → explanation ready
 * @param batchSize           number of images in the model call
 * @param explainerInstance   host + pid or the configured instance id
 * @param eventTime           the image's event time (epoch ms), as the image gave it
 * @param explainedAt         wall clock when explained (epoch ms)
 * @param eventTimeAdjustment why the record's timestamp is not {@code eventTime} (see
 *                            {@link io.otnn.streams.time.EventTimePolicy})
 */
public record ExplanationRecord(String imageId, String modelName, long modelVersion, int predicted,
                                String predictedName, int runnerUp, String runnerUpName, List<Float> scores,
                                double margin, double certificate, double certificateFactor, double lipschitz,
                                Integer label, EncodedTensor saliency, EncodedTensor counterfactual,
                                int counterfactualClass, double counterfactualT, double counterfactualDistance,
                                double boundaryDistance, double boundaryResidual, long queuedMs,
                                double modelMs, long totalMs, int batchSize, String explainerInstance,
                                long eventTime, long explainedAt, TimeAdjustment eventTimeAdjustment) {

    public ExplanationRecord {
        if (eventTimeAdjustment == null) {
            eventTimeAdjustment = TimeAdjustment.NONE;
        }
    }

    /** An explanation whose event time was used as is. */
    public ExplanationRecord(String imageId, String modelName, long modelVersion, int predicted,
                             String predictedName, int runnerUp, String runnerUpName, List<Float> scores,
                             double margin, double certificate, double certificateFactor, double lipschitz,
                             Integer label, EncodedTensor saliency, EncodedTensor counterfactual,
                             int counterfactualClass, double counterfactualT, double counterfactualDistance,
                             double boundaryDistance, double boundaryResidual, long queuedMs,
                             double modelMs, long totalMs, int batchSize, String explainerInstance,
                             long eventTime, long explainedAt) {
        this(imageId, modelName, modelVersion, predicted, predictedName, runnerUp, runnerUpName, scores, margin,
                certificate, certificateFactor, lipschitz, label, saliency, counterfactual, counterfactualClass,
                counterfactualT, counterfactualDistance, boundaryDistance, boundaryResidual, queuedMs, modelMs,
                totalMs, batchSize, explainerInstance, eventTime, explainedAt, TimeAdjustment.NONE);
    }

    /** The same explanation with another time adjustment. */
    public ExplanationRecord withEventTimeAdjustment(TimeAdjustment adjustment) {
        return new ExplanationRecord(imageId, modelName, modelVersion, predicted, predictedName, runnerUp,
                runnerUpName, scores, margin, certificate, certificateFactor, lipschitz, label, saliency,
                counterfactual, counterfactualClass, counterfactualT, counterfactualDistance, boundaryDistance,
                boundaryResidual, queuedMs, modelMs, totalMs, batchSize, explainerInstance, eventTime, explainedAt,
                adjustment);
    }
}
