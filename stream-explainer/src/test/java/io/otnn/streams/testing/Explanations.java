package io.otnn.streams.testing;

import io.otnn.avro.Certificate;
import io.otnn.avro.Counterfactual;
import io.otnn.avro.EncodedTensor;
import io.otnn.avro.EventTimeAdjustment;
import io.otnn.avro.Explanation;
import io.otnn.avro.TensorEncoding;
import io.otnn.avro.Timings;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/** Explanation records built by hand, for the tests of what handles them (sizes, wire formats). */
public final class Explanations {

    private Explanations() {}

    /** A PNG_U8 tensor of this shape holding {@code data} as its bytes. */
    public static EncodedTensor tensor(int height, int width, int channels, float scale, float offset, byte[] data) {
        return EncodedTensor.newBuilder()
                .setEncoding(TensorEncoding.PNG_U8)
                .setShape(List.of(height, width, channels))
                .setScale(scale)
                .setOffset(offset)
                .setData(ByteBuffer.wrap(data))
                .build();
    }

    /** An explanation with these texts and maps and fixed figures. */
    public static Explanation of(
            String imageId,
            String modelName,
            String predictedName,
            String runnerUpName,
            Integer label,
            EncodedTensor saliency,
            EncodedTensor counterfactual) {
        return Explanation.newBuilder()
                .setImageId(imageId)
                .setEventTime(Instant.ofEpochMilli(1))
                .setModelName(modelName)
                .setModelVersion(1)
                .setLabel(label)
                .setPredictedClass(3)
                .setPredictedClassName(predictedName)
                .setRunnerUpClass(5)
                .setRunnerUpClassName(runnerUpName)
                .setScores(List.of(0.1f, 0.9f))
                .setCertificate(Certificate.newBuilder()
                        .setRadius(0.4)
                        .setMargin(0.8)
                        .setFactor(1.41)
                        .setLipschitz(1.0)
                        .build())
                .setSaliency(saliency)
                .setSignedGradient(null)
                .setCounterfactual(Counterfactual.newBuilder()
                        .setTargetClass(5)
                        .setTargetClassName(runnerUpName)
                        .setT(1.1)
                        .setDistance(0.6)
                        .setBoundaryDistance(0.5)
                        .setImage(counterfactual)
                        .setPredictedClass(5)
                        .setBoundaryResidual(0.0)
                        .build())
                .setTimings(Timings.newBuilder()
                        .setQueuedMs(1)
                        .setModelMs(2.0)
                        .setTotalMs(3)
                        .build())
                .setBatchSize(1)
                .setExplainerInstance("test")
                .setEventTimeAdjustment(EventTimeAdjustment.NONE)
                .setExplainedAt(Instant.ofEpochMilli(2))
                .build();
    }

    /** An explanation whose every field, optional ones included, holds a value of its own. */
    public static Explanation fullyPopulated() {
        return Explanation.newBuilder()
                .setImageId("image-7")
                .setEventTime(Instant.ofEpochMilli(1_700_000_000_123L))
                .setModelName("model-a")
                .setModelVersion(12)
                .setLabel(4)
                .setPredictedClass(3)
                .setPredictedClassName("three")
                .setRunnerUpClass(5)
                .setRunnerUpClassName("five")
                .setScores(List.of(0.5f, -1.25f, 2.0f))
                .setCertificate(Certificate.newBuilder()
                        .setRadius(0.3125)
                        .setMargin(0.875)
                        .setFactor(1.5)
                        .setLipschitz(1.25)
                        .build())
                .setSaliency(tensor(3, 4, 2, 0.25f, -0.5f, new byte[] {1, 2, 3}))
                .setSignedGradient(tensor(3, 4, 2, 0.5f, -0.25f, new byte[] {(byte) 0x80, 0x1f, 0x7f}))
                .setCounterfactual(Counterfactual.newBuilder()
                        .setTargetClass(5)
                        .setTargetClassName("five")
                        .setT(1.1)
                        .setDistance(0.625)
                        .setBoundaryDistance(0.4375)
                        .setImage(tensor(3, 4, 2, 0.75f, 0.125f, new byte[] {(byte) 0xff, 0, 7, 9}))
                        .setPredictedClass(6)
                        .setBoundaryResidual(0.0625)
                        .build())
                .setTimings(Timings.newBuilder()
                        .setQueuedMs(17)
                        .setModelMs(2.5)
                        .setTotalMs(29)
                        .build())
                .setBatchSize(8)
                .setExplainerInstance("host-1")
                .setEventTimeAdjustment(EventTimeAdjustment.FUTURE)
                .setExplainedAt(Instant.ofEpochMilli(1_700_000_000_456L))
                .setInput(tensor(3, 4, 2, 0.875f, 0.0625f, new byte[] {4, 5, (byte) 0xfe}))
                .build();
    }
}
