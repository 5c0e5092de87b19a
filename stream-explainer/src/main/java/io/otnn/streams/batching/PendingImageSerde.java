package io.otnn.streams.batching;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Binary serde of the pending store (internal to the application; version byte first). */
public final class PendingImageSerde implements Serde<PendingImage> {

    private static final byte VERSION = 1;

    @Override
    public Serializer<PendingImage> serializer() {
        return (topic, pending) -> {
            if (pending == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + length(pending.value()));
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeByte(VERSION);
                out.writeUTF(pending.topic());
                out.writeInt(pending.partition());
                out.writeLong(pending.offset());
                out.writeLong(pending.timestamp());
                out.writeLong(pending.receivedAt());
                writeBytes(out, pending.key());
                writeBytes(out, pending.value());
            } catch (IOException e) {
                throw new SerializationException(e);
            }
            return bytes.toByteArray();
        };
    }

    @Override
    public Deserializer<PendingImage> deserializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                byte version = in.readByte();
                if (version != VERSION) {
                    throw new SerializationException("unknown pending-image version " + version);
                }
                return new PendingImage(in.readUTF(), in.readInt(), in.readLong(), in.readLong(), in.readLong(),
                        readBytes(in), readBytes(in));
            } catch (IOException e) {
                throw new SerializationException(e);
            }
        };
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        if (bytes == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(bytes.length);
            out.write(bytes);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }
}
