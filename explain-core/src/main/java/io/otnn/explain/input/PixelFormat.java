package io.otnn.explain.input;

/** How the bytes of an image are encoded. */
public enum PixelFormat {
    /** One unsigned byte per value, {@code [H, W, C]} row-major; mapped with the metadata's rawScale and rawOffset. */
    RAW_U8,
    /** IEEE-754 float32 little-endian per value, {@code [H, W, C]} row-major, already in the model's input range. */
    RAW_F32,
    /** A PNG file (8- or 16-bit, gray, gray+alpha, RGB or RGBA); its bands must match the model's channels. */
    PNG,
    /** A JPEG file (gray or RGB). */
    JPEG
}
