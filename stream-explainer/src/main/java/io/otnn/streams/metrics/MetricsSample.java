package io.otnn.streams.metrics;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The few figures of one outcome that the metric windows need; what crosses the repartition topic (a few dozen
 * bytes instead of the explanation's images).
 *
 * @param deadLetterKind {@code null} for an explanation
 * @param label          {@code -1} when unknown
 */
public record MetricsSample(
        String modelName,
        long modelVersion,
        String deadLetterKind,
        int predicted,
        int label,
        double certificate,
        double counterfactualDistance,
        double boundaryResidual,
        long totalMs,
        int batchSize) {

    public static MetricsSample of(Explanation e) {
        return new MetricsSample(
                e.getModelName(),
                e.getModelVersion(),
                null,
                e.getPredictedClass(),
                e.getLabel() == null ? -1 : e.getLabel(),
                e.getCertificate().getRadius(),
                e.getCounterfactual().getDistance(),
                e.getCounterfactual().getBoundaryResidual(),
                (long) e.getTimings().getTotalMs(),
                e.getBatchSize());
    }

    public static MetricsSample of(DeadLetter d) {
        return new MetricsSample(d.getModelName(), d.getModelVersion(), d.getRejectionKind(), -1, -1, 0, 0, 0, 0, 0);
    }

    public boolean isDeadLetter() {
        return deadLetterKind != null;
    }

    /** The grouping key of the windows: model name and version. */
    public String modelKey() {
        return modelName + "@" + modelVersion;
    }

    public static Serde<MetricsSample> serde() {
        Serializer<MetricsSample> serializer = (topic, s) -> {
            if (s == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeUTF(s.modelName);
                out.writeLong(s.modelVersion);
                out.writeUTF(s.deadLetterKind == null ? "" : s.deadLetterKind);
                out.writeInt(s.predicted);
                out.writeInt(s.label);
                out.writeDouble(s.certificate);
                out.writeDouble(s.counterfactualDistance);
                out.writeDouble(s.boundaryResidual);
                out.writeLong(s.totalMs);
                out.writeInt(s.batchSize);
            } catch (IOException e) {
                throw new SerializationException(e);
            }
            return bytes.toByteArray();
        };
        Deserializer<MetricsSample> deserializer = (topic, data) -> {
            if (data == null) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                String name = in.readUTF();
                long version = in.readLong();
                String kind = in.readUTF();
                return new MetricsSample(
                        name,
                        version,
                        kind.isEmpty() ? null : kind,
                        in.readInt(),
                        in.readInt(),
                        in.readDouble(),
                        in.readDouble(),
                        in.readDouble(),
                        in.readLong(),
                        in.readInt());
            } catch (IOException e) {
                throw new SerializationException(e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
