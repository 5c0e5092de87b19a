package io.otnn.dashboard.state;

import io.otnn.avro.Explanation;

/**
 * One explanation of the gallery: a sequence number the page links to, when the dashboard read it, and the record
 * (which carries the saliency, the counterfactual and, from writers of schema version 4 on, the input image as compact
 * PNG encodings).
 */
public record ExplanationEntry(long seq, long receivedAt, Explanation record) {

    /** What the gallery's tile and filters need, without the tensors. */
    public record Summary(
            long seq,
            String imageId,
            String model,
            long eventTime,
            int predictedClass,
            String predictedClassName,
            Integer label,
            String labelName,
            double certificate,
            int targetClass,
            String targetClassName,
            int counterfactualClass,
            boolean reachedTarget,
            double t,
            double distance,
            boolean signedGradient,
            boolean input) {}

    public Summary summary(java.util.List<String> classNames) {
        Explanation e = record;
        Integer label = e.getLabel();
        String labelName = label == null
                ? null
                : classNames != null && label >= 0 && label < classNames.size()
                        ? classNames.get(label)
                        : label.equals(e.getPredictedClass()) ? e.getPredictedClassName() : String.valueOf(label);
        return new Summary(
                seq,
                e.getImageId(),
                ModelVersionState.key(e.getModelName(), e.getModelVersion()),
                e.getEventTime().toEpochMilli(),
                e.getPredictedClass(),
                e.getPredictedClassName(),
                label,
                labelName,
                e.getCertificate().getRadius(),
                e.getCounterfactual().getTargetClass(),
                e.getCounterfactual().getTargetClassName(),
                e.getCounterfactual().getPredictedClass(),
                e.getCounterfactual().getPredictedClass()
                        == e.getCounterfactual().getTargetClass(),
                e.getCounterfactual().getT(),
                e.getCounterfactual().getDistance(),
                e.getSignedGradient() != null,
                e.getInput() != null);
    }
}
