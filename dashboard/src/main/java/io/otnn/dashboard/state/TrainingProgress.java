package io.otnn.dashboard.state;

import org.apache.avro.generic.GenericRecord;

/** The latest {@code TrainingStatus} of one training request of the trainer service. */
public record TrainingProgress(
        String requestId,
        String modelName,
        String state,
        int epoch,
        int epochs,
        Double loss,
        Double accuracy,
        Double imagesPerSecond,
        Double etaSeconds,
        String error,
        Integer modelVersion,
        String checkpointUri,
        String device,
        String instance,
        long time) {

    public static TrainingProgress of(GenericRecord r) {
        return new TrainingProgress(
                Fields.string(r, "requestId"),
                Fields.string(r, "modelName"),
                Fields.string(r, "state"),
                (int) Fields.longValue(r, "epoch"),
                (int) Fields.longValue(r, "epochs"),
                Fields.optionalDouble(r, "loss"),
                Fields.optionalDouble(r, "accuracy"),
                Fields.optionalDouble(r, "imagesPerSecond"),
                Fields.optionalDouble(r, "etaSeconds"),
                Fields.string(r, "error"),
                Fields.optionalInt(r, "modelVersion"),
                Fields.string(r, "checkpointUri"),
                Fields.string(r, "device"),
                Fields.string(r, "instance"),
                Fields.longValue(r, "time"));
    }

    /** Whether the request has ended (no later status is expected). */
    public boolean ended() {
        return "SUCCEEDED".equals(state) || "FAILED".equals(state) || "REJECTED".equals(state);
    }
}
