package io.otnn.explain.input;

import java.util.Locale;

/** How the bytes of an image are encoded: the product's one list (the Avro {@code PixelEncoding} has the same names). */
public enum PixelFormat {
    /** One unsigned byte per value, {@code [H, W, C]} row-major; mapped with the metadata's rawScale and rawOffset. */
    RAW_U8,
    /** IEEE-754 float32 little-endian per value, {@code [H, W, C]} row-major, in the model's input range. */
    RAW_F32,
    /** A PNG file: 1- to 16-bit gray, gray+alpha, RGB, RGBA or palette; its colour channels must match the model's. */
    PNG,
    /** A JPEG file (gray or RGB). */
    JPEG;

    /**
     * The format of an encoding name, case-insensitive.
     *
     * @throws InvalidImageException {@link RejectionKind#UNSUPPORTED_ENCODING} for any other name
     */
    public static PixelFormat parse(String name) {
        if (name != null) {
            for (PixelFormat format : values()) {
                if (format.name().equals(name.toUpperCase(Locale.ROOT))) return format;
            }
        }
        throw new InvalidImageException(
                RejectionKind.UNSUPPORTED_ENCODING,
                "unsupported encoding '" + name + "', expected one of RAW_U8, RAW_F32, PNG, JPEG");
    }
}
