package io.otnn.streams.shadow;

import com.tdunning.math.stats.TDigest;
import io.otnn.avro.ExplanationComparison;
import io.otnn.avro.QuantileValue;
import io.otnn.streams.metrics.MetricsAccumulator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The running comparison figures of one window and one {@link ModelPair}. Quantiles come from t-digests with the
 * metric windows' compression and quantile levels ({@link MetricsAccumulator#COMPRESSION},
 * {@link MetricsAccumulator#QUANTILES}): about 1 % rank error in the middle, far better in the tails.
 */
public final class ComparisonAccumulator {

    private static final byte VERSION = 1;

    private ModelPair pair;
    private long compared;
    private long agreed;
    private long sameTarget;
    private long labelled;
    private long primaryCorrect;
    private long shadowCorrect;
    private double differenceSum;
    private TDigest differences = TDigest.createMergingDigest(MetricsAccumulator.COMPRESSION);
    private long ranked;
    private double spearmanSum;
    private TDigest spearmans = TDigest.createMergingDigest(MetricsAccumulator.COMPRESSION);

    public ComparisonAccumulator(ModelPair pair) {
        this.pair = pair;
    }

    public ComparisonAccumulator add(ImageComparison image) {
        compared++;
        if (image.primaryClass() == image.shadowClass()) {
            agreed++;
        }
        if (image.sameTarget()) {
            sameTarget++;
        }
        if (image.label() != null && image.label() >= 0) {
            labelled++;
            if (image.label() == image.primaryClass()) {
                primaryCorrect++;
            }
            if (image.label() == image.shadowClass()) {
                shadowCorrect++;
            }
        }
        differenceSum += image.certificateDifference();
        differences.add(image.certificateDifference());
        if (image.spearman() != null) {
            ranked++;
            spearmanSum += image.spearman();
            spearmans.add(image.spearman());
        }
        return this;
    }

    /** Adds another accumulator of the same window and model pair into this one. */
    public ComparisonAccumulator merge(ComparisonAccumulator other) {
        pair = other.pair;
        compared += other.compared;
        agreed += other.agreed;
        sameTarget += other.sameTarget;
        labelled += other.labelled;
        primaryCorrect += other.primaryCorrect;
        shadowCorrect += other.shadowCorrect;
        differenceSum += other.differenceSum;
        if (other.compared > 0) {
            differences.add(other.differences);
        }
        ranked += other.ranked;
        spearmanSum += other.spearmanSum;
        if (other.ranked > 0) {
            spearmans.add(other.spearmans);
        }
        return this;
    }

    public ModelPair pair() {
        return pair;
    }

    /** Images compared. */
    public long compared() {
        return compared;
    }

    /** Compared images whose two saliency maps could be ranked (neither constant). */
    public long ranked() {
        return ranked;
    }

    /** The window's published comparison. */
    public ExplanationComparison toRecord(long windowStart, long windowEnd) {
        List<QuantileValue> differenceQuantiles = new ArrayList<>();
        List<QuantileValue> spearmanQuantiles = new ArrayList<>();
        for (double q : MetricsAccumulator.QUANTILES) {
            differenceQuantiles.add(new QuantileValue(q, compared == 0 ? 0.0 : differences.quantile(q)));
            if (ranked > 0) {
                spearmanQuantiles.add(new QuantileValue(q, spearmans.quantile(q)));
            }
        }
        return ExplanationComparison.newBuilder()
                .setWindowStart(Instant.ofEpochMilli(windowStart))
                .setWindowEnd(Instant.ofEpochMilli(windowEnd))
                .setPrimaryModelName(pair.primaryName())
                .setPrimaryModelVersion(pair.primaryVersion())
                .setShadowModelName(pair.shadowName())
                .setShadowModelVersion(pair.shadowVersion())
                .setComparedCount(compared)
                .setClassAgreement(fraction(agreed, compared))
                .setCertificateDifferenceMean(compared == 0 ? 0.0 : differenceSum / compared)
                .setCertificateDifferenceQuantiles(differenceQuantiles)
                .setSaliencySpearmanMean(ranked == 0 ? null : spearmanSum / ranked)
                .setSaliencySpearmanQuantiles(spearmanQuantiles)
                .setSameTargetFraction(fraction(sameTarget, compared))
                .setLabelledCount(labelled)
                .setPrimaryAccuracy(labelled == 0 ? null : (double) primaryCorrect / labelled)
                .setShadowAccuracy(labelled == 0 ? null : (double) shadowCorrect / labelled)
                .build();
    }

    private static double fraction(long count, long of) {
        return of == 0 ? 0.0 : (double) count / of;
    }

    /** Serde for the window store and its changelog, and the repartition topic. */
    public static Serde<ComparisonAccumulator> serde() {
        Serializer<ComparisonAccumulator> serializer = (topic, acc) -> acc == null ? null : acc.toBytes();
        Deserializer<ComparisonAccumulator> deserializer = (topic, bytes) -> bytes == null ? null : fromBytes(bytes);
        return Serdes.serdeFrom(serializer, deserializer);
    }

    private byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(pair.primaryName());
            out.writeInt(pair.primaryVersion());
            out.writeUTF(pair.shadowName());
            out.writeInt(pair.shadowVersion());
            out.writeLong(compared);
            out.writeLong(agreed);
            out.writeLong(sameTarget);
            out.writeLong(labelled);
            out.writeLong(primaryCorrect);
            out.writeLong(shadowCorrect);
            out.writeDouble(differenceSum);
            MetricsAccumulator.writeDigest(out, differences);
            out.writeLong(ranked);
            out.writeDouble(spearmanSum);
            MetricsAccumulator.writeDigest(out, spearmans);
        } catch (IOException e) {
            throw new SerializationException(e);
        }
        return bytes.toByteArray();
    }

    private static ComparisonAccumulator fromBytes(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new SerializationException("unknown comparison accumulator version " + version);
            }
            ComparisonAccumulator acc =
                    new ComparisonAccumulator(new ModelPair(in.readUTF(), in.readInt(), in.readUTF(), in.readInt()));
            acc.compared = in.readLong();
            acc.agreed = in.readLong();
            acc.sameTarget = in.readLong();
            acc.labelled = in.readLong();
            acc.primaryCorrect = in.readLong();
            acc.shadowCorrect = in.readLong();
            acc.differenceSum = in.readDouble();
            acc.differences = MetricsAccumulator.readDigest(in);
            acc.ranked = in.readLong();
            acc.spearmanSum = in.readDouble();
            acc.spearmans = MetricsAccumulator.readDigest(in);
            return acc;
        } catch (IOException e) {
            throw new SerializationException(e);
        }
    }
}
