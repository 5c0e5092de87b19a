package io.otnn.schemas.serde;

/**
 * Confluent's wire format: byte 0 is the magic byte {@code 0}, bytes 1-4 the schema id (big-endian int),
 * then the Avro binary encoding of the record.
 */
public final class WireFormat {

    /** The magic byte of the format. */
    public static final byte MAGIC_BYTE = 0;
    /** Magic byte plus schema id. */
    public static final int HEADER_SIZE = 5;

    private WireFormat() {}

    /** The schema id in a payload's header (the caller has checked the length and magic byte). */
    static int schemaId(byte[] payload) {
        return ((payload[1] & 0xff) << 24)
                | ((payload[2] & 0xff) << 16)
                | ((payload[3] & 0xff) << 8)
                | (payload[4] & 0xff);
    }
}
