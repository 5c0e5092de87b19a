package io.otnn.dashboard;

import io.otnn.avro.Certificate;
import io.otnn.avro.Counterfactual;
import io.otnn.avro.DeadLetter;
import io.otnn.avro.EncodedTensor;
import io.otnn.avro.EpsilonFraction;
import io.otnn.avro.ErrorKind;
import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationComparison;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.avro.ModelRole;
import io.otnn.avro.ModelServingStatus;
import io.otnn.avro.QuantileValue;
import io.otnn.avro.ServingState;
import io.otnn.avro.TensorEncoding;
import io.otnn.avro.Timings;
import io.otnn.avro.TrainingJobState;
import io.otnn.avro.TrainingStatus;
import io.otnn.explain.render.CompactTensor;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Records as the stream explainer writes them, built by hand for the unit tests. */
public final class TestRecords {

    private TestRecords() {}

    public static ExplanationMetrics window(
            String model,
            int version,
            long start,
            long explained,
            long labelled,
            Double accuracy,
            double certificateMean,
            long... histogram) {
        List<Long> classes = new ArrayList<>();
        for (long h : histogram) classes.add(h);
        return ExplanationMetrics.newBuilder()
                .setWindowStart(Instant.ofEpochMilli(start))
                .setWindowEnd(Instant.ofEpochMilli(start + 5_000))
                .setModelName(model)
                .setModelVersion(version)
                .setExplainedCount(explained)
                .setDeadLetteredCount(1)
                .setLabelledCount(labelled)
                .setAccuracy(accuracy)
                .setCertificateMean(certificateMean)
                .setCertificateQuantiles(List.of(q(0.05, 0.1), q(0.5, 0.3), q(0.95, 0.6)))
                .setCertifiedFractions(List.of(eps(0.1411764705882353, 0.8), eps(0.5, 0.25)))
                .setClassHistogram(classes)
                .setCounterfactualDistanceMean(0.7)
                .setBoundaryResidualMean(0.001)
                .setLatencyQuantilesMs(List.of(q(0.5, 12.25), q(0.99, 80.5)))
                .setBatchSizeMean(8)
                .build();
    }

    public static QuantileValue q(double q, double value) {
        return QuantileValue.newBuilder().setQ(q).setValue(value).build();
    }

    public static EpsilonFraction eps(double epsilon, double fraction) {
        return EpsilonFraction.newBuilder()
                .setEpsilon(epsilon)
                .setFraction(fraction)
                .build();
    }

    public static DeadLetter deadLetter(ErrorKind kind, String message, long offset) {
        return DeadLetter.newBuilder()
                .setKey(null)
                .setValue(ByteBuffer.wrap(new byte[] {1, 2}))
                .setSourceTopic("otnn.images")
                .setPartition(0)
                .setOffset(offset)
                .setErrorKind(kind)
                .setMessage(message)
                .setTime(Instant.ofEpochMilli(1_000 + offset))
                .setApplication("test")
                .build();
    }

    /** An explanation of a 28×28×1 image with a gradient-like saliency and a counterfactual ramp. */
    public static Explanation explanation(String imageId, int predicted, Integer label, double radius) {
        float[] saliency = new float[784];
        float[] cf = new float[784];
        for (int i = 0; i < 784; i++) {
            saliency[i] = (i % 28) / 27f * 0.02f;
            cf[i] = (i / 28) / 27f;
        }
        return Explanation.newBuilder()
                .setImageId(imageId)
                .setEventTime(Instant.ofEpochMilli(5_000))
                .setModelName("m")
                .setModelVersion(1)
                .setLabel(label)
                .setPredictedClass(predicted)
                .setPredictedClassName("class" + predicted)
                .setRunnerUpClass(9)
                .setRunnerUpClassName("class9")
                .setScores(List.of(0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1.0f))
                .setCertificate(Certificate.newBuilder()
                        .setRadius(radius)
                        .setMargin(radius * Math.sqrt(2))
                        .setFactor(Math.sqrt(2))
                        .setLipschitz(1)
                        .build())
                .setSaliency(tensor(saliency))
                .setSignedGradient(null)
                .setCounterfactual(Counterfactual.newBuilder()
                        .setTargetClass(9)
                        .setTargetClassName("class9")
                        .setT(2)
                        .setDistance(1.5)
                        .setBoundaryDistance(0.75)
                        .setImage(tensor(cf))
                        .setPredictedClass(9)
                        .setBoundaryResidual(0.0001)
                        .build())
                .setTimings(Timings.newBuilder()
                        .setQueuedMs(1)
                        .setModelMs(2)
                        .setTotalMs(3)
                        .build())
                .setBatchSize(4)
                .setExplainerInstance("test")
                .build();
    }

    /**
     * The same explanation as a current explainer writes it, with its input image x: a horizontal ramp (dark on the
     * left, bright on the right), so that x_cf − x = (row − column) / 27.
     */
    public static Explanation explanationWithInput(String imageId, int predicted, Integer label, double radius) {
        float[] x = new float[784];
        for (int i = 0; i < 784; i++) x[i] = (i % 28) / 27f;
        Explanation e = explanation(imageId, predicted, label, radius);
        e.setInput(tensor(x));
        return e;
    }

    public static EncodedTensor tensor(float[] values) {
        CompactTensor t = CompactTensor.encode(values, 28, 28, 1);
        return EncodedTensor.newBuilder()
                .setEncoding(TensorEncoding.PNG_U8)
                .setShape(List.of(28, 28, 1))
                .setScale((float) t.scale())
                .setOffset((float) t.offset())
                .setData(ByteBuffer.wrap(t.png()))
                .build();
    }

    /** A model slot's decision; {@code reason} null for SERVING. */
    public static ModelServingStatus serving(
            String instance, String model, int version, String reason, Integer servingVersion, long time) {
        return ModelServingStatus.newBuilder()
                .setApplication("otnn-explainer")
                .setInstance(instance)
                .setRole(ModelRole.PRIMARY)
                .setModelName(model)
                .setModelVersion(version)
                .setState(reason == null ? ServingState.SERVING : ServingState.REFUSED)
                .setReason(reason)
                .setServingVersion(servingVersion)
                .setUri("http://127.0.0.1:1/models/" + model + "/" + version + ".tar.gz")
                .setManifestDigest("ab".repeat(32))
                .setSwapMs(reason == null ? 420L : null)
                .setTime(Instant.ofEpochMilli(time))
                .build();
    }

    public static TrainingStatus training(
            String requestId, TrainingJobState state, int epoch, Double accuracy, String error, long time) {
        return TrainingStatus.newBuilder()
                .setRequestId(requestId)
                .setModelName("fashion-dense")
                .setState(state)
                .setEpoch(epoch)
                .setEpochs(5)
                .setLoss(epoch == 0 ? null : 0.5 / epoch)
                .setAccuracy(accuracy)
                .setImagesPerSecond(epoch == 0 ? null : 1234.0)
                .setEtaSeconds(epoch == 0 ? null : 10.0 * (5 - epoch))
                .setError(error)
                .setModelVersion(state == TrainingJobState.SUCCEEDED ? 2 : null)
                .setCheckpointUri(
                        state == TrainingJobState.SUCCEEDED ? "http://127.0.0.1:1/models/fashion-dense/2.tar.gz" : null)
                .setDevice("CPU")
                .setInstance("trainer-1")
                .setTime(Instant.ofEpochMilli(time))
                .build();
    }

    public static ExplanationComparison comparison(long start, long compared, double agreement, double rho) {
        return ExplanationComparison.newBuilder()
                .setWindowStart(Instant.ofEpochMilli(start))
                .setWindowEnd(Instant.ofEpochMilli(start + 5_000))
                .setPrimaryModelName("fashion-dense")
                .setPrimaryModelVersion(1)
                .setShadowModelName("fashion-dense")
                .setShadowModelVersion(2)
                .setComparedCount(compared)
                .setClassAgreement(agreement)
                .setCertificateDifferenceMean(0.0125)
                .setCertificateDifferenceQuantiles(List.of(q(0.05, -0.1), q(0.5, 0.01), q(0.95, 0.2)))
                .setSaliencySpearmanMean(rho)
                .setSaliencySpearmanQuantiles(List.of(q(0.5, rho)))
                .setSameTargetFraction(0.75)
                .setLabelledCount(compared)
                .setPrimaryAccuracy(0.8)
                .setShadowAccuracy(0.85)
                .build();
    }
}
