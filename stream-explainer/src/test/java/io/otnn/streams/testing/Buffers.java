package io.otnn.streams.testing;

import java.nio.ByteBuffer;

/** The bytes of the Avro contract's {@code bytes} fields, for comparing them with arrays. */
public final class Buffers {

    private Buffers() {}

    /** The bytes a buffer holds, whatever its position; {@code null} for {@code null}. */
    public static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }
}
