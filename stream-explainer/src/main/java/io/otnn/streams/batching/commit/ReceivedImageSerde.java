package io.otnn.streams.batching.commit;

import io.otnn.streams.input.ReceivedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Binary serde of the changelogged buffer's values: a received record as it arrived (version byte first). */
final class ReceivedImageSerde implements Serde<ReceivedImage> {

    private static final byte VERSION = 1;

    @Override
    public Serializer<ReceivedImage> serializer() {
        return (topic, image) -> {
            if (image == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + length(image.key()) + length(image.value()));
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeByte(VERSION);
                out.writeUTF(image.topic());
                out.writeInt(image.partition());
                out.writeLong(image.offset());
                out.writeLong(image.timestamp());
                out.writeLong(image.receivedAt());
                writeBytes(out, image.key());
                writeBytes(out, image.value());
            } catch (IOException e) {
                throw new SerializationException(e);
            }
            return bytes.toByteArray();
        };
    }

    @Override
    public Deserializer<ReceivedImage> deserializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                byte version = in.readByte();
                if (version != VERSION) {
                    throw new SerializationException("unknown version " + version + " of a buffered image");
                }
                return new ReceivedImage(
                        in.readUTF(),
                        in.readInt(),
                        in.readLong(),
                        in.readLong(),
                        in.readLong(),
                        readBytes(in),
                        readBytes(in));
            } catch (IOException e) {
                throw new SerializationException("a buffered image does not read back: " + e, e);
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
