package io.otnn.schemas;

import io.otnn.avro.Certificate;
import io.otnn.avro.Counterfactual;
import io.otnn.avro.DeadLetter;
import io.otnn.avro.EncodedTensor;
import io.otnn.avro.EpsilonFraction;
import io.otnn.avro.ErrorKind;
import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.avro.ImageEvent;
import io.otnn.avro.ModelCheckpoint;
import io.otnn.avro.PixelEncoding;
import io.otnn.avro.QuantileValue;
import io.otnn.avro.Task;
import io.otnn.avro.TensorEncoding;
import io.otnn.avro.Timings;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.specific.SpecificRecord;

/** One realistic instance of every record of the contract, for round-trip tests. */
public final class SampleRecords {

    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00.123Z").truncatedTo(ChronoUnit.MILLIS);

    private SampleRecords() {}

    public static List<SpecificRecord> all() {
        return List.of(imageEvent("img-1"), explanation("img-1", new Random(1)), metrics(), checkpoint(), deadLetter());
    }

    public static ImageEvent imageEvent(String id) {
        byte[] pixels = new byte[28 * 28];
        new Random(id.hashCode()).nextBytes(pixels);
        return ImageEvent.newBuilder()
                .setImageId(id)
                .setSource("mnist-test")
                .setEventTime(NOW)
                .setWidth(28)
                .setHeight(28)
                .setChannels(1)
                .setEncoding(PixelEncoding.RAW_U8)
                .setPixels(ByteBuffer.wrap(pixels))
                .setLabel(7)
                .setAttributes(Map.of("camera", "c-1"))
                .build();
    }

    public static EncodedTensor tensor(Random random, int h, int w, int c) {
        byte[] data = new byte[200 + random.nextInt(200)];
        random.nextBytes(data);
        return EncodedTensor.newBuilder()
                .setEncoding(TensorEncoding.PNG_U8)
                .setShape(List.of(h, w, c))
                .setScale(0.05f)
                .setOffset(0f)
                .setData(ByteBuffer.wrap(data))
                .build();
    }

    public static Explanation explanation(String id, Random random) {
        List<Float> scores = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            scores.add(random.nextFloat() * 4 - 2);
        }
        return Explanation.newBuilder()
                .setImageId(id)
                .setEventTime(NOW)
                .setModelName("mnist-otnn")
                .setModelVersion(3)
                .setLabel(7)
                .setPredictedClass(7)
                .setPredictedClassName("7")
                .setRunnerUpClass(9)
                .setRunnerUpClassName("9")
                .setScores(scores)
                .setCertificate(Certificate.newBuilder()
                        .setRadius(0.42)
                        .setMargin(0.59)
                        .setFactor(Math.sqrt(2))
                        .setLipschitz(1.0)
                        .build())
                .setSaliency(tensor(random, 28, 28, 1))
                .setSignedGradient(null)
                .setCounterfactual(Counterfactual.newBuilder()
                        .setTargetClass(9)
                        .setTargetClassName("9")
                        .setT(1.2)
                        .setDistance(0.71)
                        .setBoundaryDistance(0.59)
                        .setImage(tensor(random, 28, 28, 1))
                        .setPredictedClass(9)
                        .setBoundaryResidual(1e-4)
                        .build())
                .setTimings(Timings.newBuilder()
                        .setQueuedMs(2.5)
                        .setModelMs(4.1)
                        .setTotalMs(7.0)
                        .build())
                .setBatchSize(32)
                .setExplainerInstance("host-1/otnn-explainer")
                .setInput(tensor(random, 28, 28, 1))
                .build();
    }

    public static ExplanationMetrics metrics() {
        return ExplanationMetrics.newBuilder()
                .setWindowStart(NOW)
                .setWindowEnd(NOW.plusSeconds(60))
                .setModelName("mnist-otnn")
                .setModelVersion(3)
                .setExplainedCount(1000)
                .setDeadLetteredCount(2)
                .setLabelledCount(900)
                .setAccuracy(0.963)
                .setCertificateMean(0.41)
                .setCertificateQuantiles(List.of(new QuantileValue(0.5, 0.4), new QuantileValue(0.99, 1.1)))
                .setCertifiedFractions(List.of(new EpsilonFraction(0.5, 0.3), new EpsilonFraction(1.0, 0.05)))
                .setClassHistogram(List.of(100L, 98L, 102L, 99L, 101L, 100L, 97L, 103L, 100L, 100L))
                .setCounterfactualDistanceMean(0.8)
                .setBoundaryResidualMean(2e-4)
                .setLatencyQuantilesMs(List.of(new QuantileValue(0.5, 6.0), new QuantileValue(0.99, 30.0)))
                .setBatchSizeMean(24.5)
                .build();
    }

    public static ModelCheckpoint checkpoint() {
        return ModelCheckpoint.newBuilder()
                .setModelName("mnist-otnn")
                .setVersion(3)
                .setUri("file:///models/mnist-otnn/3")
                .setManifestDigest("ab".repeat(32))
                .setTask(Task.MULTICLASS)
                .setClassNames(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"))
                .setInputShape(List.of(28, 28, 1))
                .setLipschitzConstant(1.0)
                .setCertificateFactor(Math.sqrt(2))
                .setTestAccuracy(0.963)
                .setCertifiedAccuracy(List.of(new EpsilonFraction(0.5, 0.7)))
                .setCreatedTime(NOW)
                .build();
    }

    public static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setKey(ByteBuffer.wrap(new byte[] {1, 2}))
                .setValue(null)
                .setSourceTopic("otnn.images")
                .setPartition(0)
                .setOffset(42L)
                .setErrorKind(ErrorKind.EMPTY_VALUE)
                .setMessage("empty value")
                .setTime(NOW)
                .setApplication("otnn-explainer")
                .build();
    }
}
