package io.otnn.schemas.serde;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * An Avro binary decoder over one byte array that checks every length and item count against the bytes
 * that remain before it allocates anything. Avro's own {@code BinaryDecoder} allocates whatever a length
 * prefix claims, so a few garbage bytes can ask for gigabytes; here they fail at once with an
 * {@link IOException}.
 *
 * <p>One consequence: an array or map block may not claim more items than bytes remain, which a
 * legitimate array of zero-byte items (nulls, empty records) longer than the rest of the payload would do.
 * No schema of the contract has such items.
 */
final class BoundedBinaryDecoder extends Decoder {

    private final byte[] buf;
    private int pos;
    private final int end;

    BoundedBinaryDecoder(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.end = offset + length;
    }

    /** True when every byte has been read. */
    boolean isEnd() {
        return pos == end;
    }

    int remaining() {
        return end - pos;
    }

    private void require(long n, String what) throws IOException {
        if (n < 0) {
            throw new IOException("negative " + what + " " + n);
        }
        if (n > end - pos) {
            throw new EOFException(what + " of " + n + " byte(s) but only " + (end - pos) + " remain");
        }
    }

    @Override
    public void readNull() {
        // null takes no bytes
    }

    @Override
    public boolean readBoolean() throws IOException {
        require(1, "boolean");
        byte b = buf[pos++];
        if (b != 0 && b != 1) {
            throw new IOException("invalid boolean byte " + b);
        }
        return b == 1;
    }

    @Override
    public int readInt() throws IOException {
        long n = readVarLong(5);
        int raw = (int) n;
        if ((n & 0xffffffffL) != n) {
            throw new IOException("int out of range");
        }
        return (raw >>> 1) ^ -(raw & 1);
    }

    @Override
    public long readLong() throws IOException {
        long raw = readVarLong(10);
        return (raw >>> 1) ^ -(raw & 1);
    }

    private long readVarLong(int maxBytes) throws IOException {
        long value = 0;
        for (int i = 0; i < maxBytes; i++) {
            if (pos >= end) {
                throw new EOFException("varint runs past the end of the payload");
            }
            int b = buf[pos++] & 0xff;
            value |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("invalid varint: longer than " + maxBytes + " bytes");
    }

    @Override
    public float readFloat() throws IOException {
        require(4, "float");
        int bits = (buf[pos] & 0xff)
                | (buf[pos + 1] & 0xff) << 8
                | (buf[pos + 2] & 0xff) << 16
                | (buf[pos + 3] & 0xff) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    @Override
    public double readDouble() throws IOException {
        require(8, "double");
        long bits = 0;
        for (int i = 7; i >= 0; i--) {
            bits = (bits << 8) | (buf[pos + i] & 0xff);
        }
        pos += 8;
        return Double.longBitsToDouble(bits);
    }

    private int readLength(String what) throws IOException {
        long length = readLong();
        require(length, what);
        return (int) length;
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        int length = readLength("string");
        Utf8 result = old != null ? old : new Utf8();
        result.setByteLength(length);
        System.arraycopy(buf, pos, result.getBytes(), 0, length);
        pos += length;
        return result;
    }

    @Override
    public String readString() throws IOException {
        int length = readLength("string");
        String s = new String(buf, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return s;
    }

    @Override
    public void skipString() throws IOException {
        int length = readLength("string"); // not "pos += readLength(..)": that would drop the prefix's bytes
        pos += length;
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        int length = readLength("bytes");
        ByteBuffer result = old != null && old.capacity() >= length && !old.isReadOnly() && old.hasArray()
                ? old
                : ByteBuffer.allocate(length);
        result.clear();
        result.put(buf, pos, length);
        result.flip();
        pos += length;
        return result;
    }

    @Override
    public void skipBytes() throws IOException {
        int length = readLength("bytes");
        pos += length;
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        require(length, "fixed");
        System.arraycopy(buf, pos, bytes, start, length);
        pos += length;
    }

    @Override
    public void skipFixed(int length) throws IOException {
        require(length, "fixed");
        pos += length;
    }

    @Override
    public int readEnum() throws IOException {
        return readInt();
    }

    /** Item count of the next block; a negative count is followed by the block's size in bytes. */
    private long readBlockCount() throws IOException {
        long count = readLong();
        if (count < 0) {
            if (count == Long.MIN_VALUE) {
                throw new IOException("invalid block count");
            }
            count = -count;
            require(readLong(), "block");
        }
        if (count > end - pos) {
            throw new EOFException("block of " + count + " item(s) but only " + (end - pos) + " byte(s) remain");
        }
        return count;
    }

    @Override
    public long readArrayStart() throws IOException {
        return readBlockCount();
    }

    @Override
    public long arrayNext() throws IOException {
        return readBlockCount();
    }

    @Override
    public long skipArray() throws IOException {
        return skipBlocks();
    }

    /** Skips blocks that carry their byte size; returns the item count of the first block that does not. */
    private long skipBlocks() throws IOException {
        while (true) {
            long count = readLong();
            if (count == 0) {
                return 0;
            }
            if (count > 0) {
                if (count > end - pos) {
                    throw new EOFException(
                            "block of " + count + " item(s) but only " + (end - pos) + " byte(s) remain");
                }
                return count;
            }
            if (count == Long.MIN_VALUE) {
                throw new IOException("invalid block count");
            }
            long size = readLong();
            require(size, "block");
            pos += (int) size;
        }
    }

    @Override
    public long readMapStart() throws IOException {
        return readBlockCount();
    }

    @Override
    public long mapNext() throws IOException {
        return readBlockCount();
    }

    @Override
    public long skipMap() throws IOException {
        return skipBlocks();
    }

    @Override
    public int readIndex() throws IOException {
        return readInt();
    }
}
