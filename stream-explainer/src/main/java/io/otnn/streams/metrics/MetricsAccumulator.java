package io.otnn.streams.metrics;

import com.tdunning.math.stats.MergingDigest;
import com.tdunning.math.stats.TDigest;
import io.otnn.avro.EpsilonFraction;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.avro.QuantileValue;
import io.otnn.streams.drift.CertificateBins;
import io.otnn.streams.drift.DriftFigures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The running figures of one window and one model version. Quantiles come from t-digests (compression 100:
 * about 1 % rank error in the middle, far better in the tails), which serialise compactly in the window store.
 */
public final class MetricsAccumulator {

    /** Quantiles reported for certificates and latencies. */
    public static final double[] QUANTILES = {0.05, 0.25, 0.5, 0.75, 0.95, 0.99};

    /** The t-digests' compression (every window of the explainer uses it). */
    public static final double COMPRESSION = 100;
    /** 2 added the drift bins and the fidelity figures at the end; a window of version 1 (written before) reads without them. */
    private static final byte VERSION = 2;

    private String modelName = "";
    private long modelVersion;
    private long explanations;
    private long deadLetters;
    private final Map<String, Long> deadLettersByKind = new TreeMap<>();
    private long labelled;
    private long correct;
    private double certificateSum;
    private TDigest certificates;
    private long[] certifiedCounts;
    private long[] classHistogram = new long[0];
    private double counterfactualDistanceSum;
    private double boundaryResidualSum;
    private TDigest latencies;
    private long batchSizeSum;
    private CertificateBins driftCertificates = new CertificateBins();
    private long fidelitySamples;
    private double muFidelitySum;
    private double deletionAucSum;

    public MetricsAccumulator(int epsilonCount) {
        this.certifiedCounts = new long[epsilonCount];
        this.certificates = TDigest.createMergingDigest(COMPRESSION);
        this.latencies = TDigest.createMergingDigest(COMPRESSION);
    }

    /** For {@link #fromBytes}, which reads its digests (a new t-digest allocates its buffers at once). */
    private MetricsAccumulator() {
        this.certifiedCounts = new long[0];
    }

    public MetricsAccumulator add(MetricsSample sample, List<Double> epsilons) {
        modelName = sample.modelName();
        modelVersion = sample.modelVersion();
        if (sample.isDeadLetter()) {
            deadLetters++;
            deadLettersByKind.merge(sample.deadLetterKind(), 1L, Long::sum);
            return this;
        }
        explanations++;
        boolean right = true;
        if (sample.label() >= 0) {
            labelled++;
            right = sample.label() == sample.predicted();
            if (right) {
                correct++;
            }
        }
        certificateSum += sample.certificate();
        certificates.add(sample.certificate());
        if (certifiedCounts.length < epsilons.size()) {
            certifiedCounts = Arrays.copyOf(certifiedCounts, epsilons.size());
        }
        for (int i = 0; i < epsilons.size(); i++) {
            // certified at ε: the radius reaches ε, and the prediction is right when the label is known
            if (right && sample.certificate() >= epsilons.get(i)) {
                certifiedCounts[i]++;
            }
        }
        if (sample.predicted() >= classHistogram.length) {
            classHistogram = Arrays.copyOf(classHistogram, sample.predicted() + 1);
        }
        classHistogram[sample.predicted()]++;
        counterfactualDistanceSum += sample.counterfactualDistance();
        boundaryResidualSum += Math.abs(sample.boundaryResidual());
        latencies.add(sample.totalMs());
        batchSizeSum += sample.batchSize();
        driftCertificates.add(sample.certificate());
        return this;
    }

    /** Counts the fidelity of one sampled image (its explanation is counted by {@link #add}). */
    public MetricsAccumulator addFidelity(double muFidelity, double deletionAuc) {
        fidelitySamples++;
        muFidelitySum += muFidelity;
        deletionAucSum += deletionAuc;
        return this;
    }

    /** Adds another accumulator of the same window and model (a batch's partial figures) into this one. */
    public MetricsAccumulator merge(MetricsAccumulator other) {
        modelName = other.modelName;
        modelVersion = other.modelVersion;
        explanations += other.explanations;
        deadLetters += other.deadLetters;
        other.deadLettersByKind.forEach((kind, count) -> deadLettersByKind.merge(kind, count, Long::sum));
        labelled += other.labelled;
        correct += other.correct;
        certificateSum += other.certificateSum;
        if (other.explanations > 0) {
            certificates.add(other.certificates);
            latencies.add(other.latencies);
        }
        if (certifiedCounts.length < other.certifiedCounts.length) {
            certifiedCounts = Arrays.copyOf(certifiedCounts, other.certifiedCounts.length);
        }
        for (int i = 0; i < other.certifiedCounts.length; i++) {
            certifiedCounts[i] += other.certifiedCounts[i];
        }
        if (classHistogram.length < other.classHistogram.length) {
            classHistogram = Arrays.copyOf(classHistogram, other.classHistogram.length);
        }
        for (int i = 0; i < other.classHistogram.length; i++) {
            classHistogram[i] += other.classHistogram[i];
        }
        counterfactualDistanceSum += other.counterfactualDistanceSum;
        boundaryResidualSum += other.boundaryResidualSum;
        batchSizeSum += other.batchSizeSum;
        driftCertificates.merge(other.driftCertificates);
        fidelitySamples += other.fidelitySamples;
        muFidelitySum += other.muFidelitySum;
        deletionAucSum += other.deletionAucSum;
        return this;
    }

    /** The window's published figures: the one place where the accumulated figures become the record. */
    public ExplanationMetrics toRecord(long windowStart, long windowEnd, List<Double> epsilons) {
        return toRecord(windowStart, windowEnd, epsilons, DriftFigures.NONE);
    }

    /** The window's published figures with its drift statistics. */
    public ExplanationMetrics toRecord(long windowStart, long windowEnd, List<Double> epsilons, DriftFigures drift) {
        List<QuantileValue> certificateQuantiles = new ArrayList<>();
        List<QuantileValue> latencyQuantiles = new ArrayList<>();
        for (double q : QUANTILES) {
            certificateQuantiles.add(new QuantileValue(q, explanations == 0 ? 0.0 : certificates.quantile(q)));
            latencyQuantiles.add(new QuantileValue(q, explanations == 0 ? 0.0 : latencies.quantile(q)));
        }
        List<EpsilonFraction> certified = new ArrayList<>();
        for (int i = 0; i < epsilons.size(); i++) {
            certified.add(new EpsilonFraction(
                    epsilons.get(i),
                    explanations == 0 || i >= certifiedCounts.length
                            ? 0.0
                            : (double) certifiedCounts[i] / explanations));
        }
        List<Long> histogram = new ArrayList<>();
        for (long count : classHistogram) {
            histogram.add(count);
        }
        return ExplanationMetrics.newBuilder()
                .setWindowStart(Instant.ofEpochMilli(windowStart))
                .setWindowEnd(Instant.ofEpochMilli(windowEnd))
                .setModelName(modelName)
                .setModelVersion((int) modelVersion)
                .setExplainedCount(explanations)
                .setDeadLetteredCount(deadLetters)
                .setLabelledCount(labelled)
                .setAccuracy(labelled == 0 ? null : (double) correct / labelled)
                .setCertificateMean(mean(certificateSum))
                .setCertificateQuantiles(certificateQuantiles)
                .setCertifiedFractions(certified)
                .setClassHistogram(histogram)
                .setCounterfactualDistanceMean(mean(counterfactualDistanceSum))
                .setBoundaryResidualMean(mean(boundaryResidualSum))
                .setLatencyQuantilesMs(latencyQuantiles)
                .setBatchSizeMean(mean(batchSizeSum))
                .setDeadLetteredByKind(new LinkedHashMap<>(deadLettersByKind))
                .setClassMixChiSquare(drift.classMixChiSquare())
                .setClassMixPValue(drift.classMixPValue())
                .setClassMixPsi(drift.classMixPsi())
                .setCertificateKs(drift.certificateKs())
                .setCertificateKsPValue(drift.certificateKsPValue())
                .setDriftAlarms(new ArrayList<>(drift.alarms()))
                .setFidelitySampleCount((int) fidelitySamples)
                .setMuFidelity(fidelitySamples == 0 ? null : muFidelitySum / fidelitySamples)
                .setDeletionAuc(fidelitySamples == 0 ? null : deletionAucSum / fidelitySamples)
                .build();
    }

    private double mean(double sum) {
        return explanations == 0 ? 0.0 : sum / explanations;
    }

    public long explanations() {
        return explanations;
    }

    public long deadLetters() {
        return deadLetters;
    }

    /** Predicted-class counts, indexed by class. */
    public long[] classHistogram() {
        return classHistogram.clone();
    }

    /** The certificates as the drift test counts them (see {@link CertificateBins}). */
    public CertificateBins driftCertificates() {
        return driftCertificates;
    }

    /** Sampled images whose fidelity is counted. */
    public long fidelitySamples() {
        return fidelitySamples;
    }

    /** Serde for the window store and its changelog. */
    public static Serde<MetricsAccumulator> serde() {
        Serializer<MetricsAccumulator> serializer = (topic, acc) -> acc == null ? null : acc.toBytes();
        Deserializer<MetricsAccumulator> deserializer = (topic, bytes) -> bytes == null ? null : fromBytes(bytes);
        return Serdes.serdeFrom(serializer, deserializer);
    }

    private byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(modelName);
            out.writeLong(modelVersion);
            out.writeLong(explanations);
            out.writeLong(deadLetters);
            out.writeInt(deadLettersByKind.size());
            for (Map.Entry<String, Long> entry : deadLettersByKind.entrySet()) {
                out.writeUTF(entry.getKey());
                out.writeLong(entry.getValue());
            }
            out.writeLong(labelled);
            out.writeLong(correct);
            out.writeDouble(certificateSum);
            writeDigest(out, certificates);
            writeLongs(out, certifiedCounts);
            writeLongs(out, classHistogram);
            out.writeDouble(counterfactualDistanceSum);
            out.writeDouble(boundaryResidualSum);
            writeDigest(out, latencies);
            out.writeLong(batchSizeSum);
            driftCertificates.write(out);
            out.writeLong(fidelitySamples);
            out.writeDouble(muFidelitySum);
            out.writeDouble(deletionAucSum);
        } catch (IOException e) {
            throw new SerializationException(e);
        }
        return bytes.toByteArray();
    }

    private static MetricsAccumulator fromBytes(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte version = in.readByte();
            if (version != VERSION && version != 1) {
                throw new SerializationException("unknown metrics accumulator version " + version);
            }
            MetricsAccumulator acc = new MetricsAccumulator();
            acc.modelName = in.readUTF();
            acc.modelVersion = in.readLong();
            acc.explanations = in.readLong();
            acc.deadLetters = in.readLong();
            int kinds = in.readInt();
            for (int i = 0; i < kinds; i++) {
                acc.deadLettersByKind.put(in.readUTF(), in.readLong());
            }
            acc.labelled = in.readLong();
            acc.correct = in.readLong();
            acc.certificateSum = in.readDouble();
            acc.certificates = readDigest(in);
            acc.certifiedCounts = readLongs(in);
            acc.classHistogram = readLongs(in);
            acc.counterfactualDistanceSum = in.readDouble();
            acc.boundaryResidualSum = in.readDouble();
            acc.latencies = readDigest(in);
            acc.batchSizeSum = in.readLong();
            if (version >= 2) {
                acc.driftCertificates = CertificateBins.read(in);
                acc.fidelitySamples = in.readLong();
                acc.muFidelitySum = in.readDouble();
                acc.deletionAucSum = in.readDouble();
            }
            return acc;
        } catch (IOException e) {
            throw new SerializationException(e);
        }
    }

    /** Writes a t-digest compactly (length, then its small bytes). */
    public static void writeDigest(DataOutputStream out, TDigest digest) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(digest.smallByteSize());
        digest.asSmallBytes(buffer);
        out.writeInt(buffer.position());
        out.write(buffer.array(), 0, buffer.position());
    }

    /** Reads a t-digest that {@link #writeDigest} wrote. */
    public static TDigest readDigest(DataInputStream in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return MergingDigest.fromBytes(ByteBuffer.wrap(bytes));
    }

    private static void writeLongs(DataOutputStream out, long[] values) throws IOException {
        out.writeInt(values.length);
        for (long value : values) {
            out.writeLong(value);
        }
    }

    private static long[] readLongs(DataInputStream in) throws IOException {
        long[] values = new long[in.readInt()];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.readLong();
        }
        return values;
    }
}
