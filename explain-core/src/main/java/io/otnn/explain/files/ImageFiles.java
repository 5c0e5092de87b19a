package io.otnn.explain.files;

import io.otnn.explain.input.PixelFormat;
import java.nio.file.Path;
import java.util.Locale;

/** The pixel format of an image file, from its name. */
public final class ImageFiles {
    private ImageFiles() {}

    /** PNG, JPEG ({@code .jpg}, {@code .jpeg}), raw float32 ({@code .f32}) or raw bytes ({@code .u8}, {@code .raw}). */
    public static PixelFormat format(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".png")) return PixelFormat.PNG;
        if (name.endsWith(".jpg") || name.endsWith(".jpeg")) return PixelFormat.JPEG;
        if (name.endsWith(".f32")) return PixelFormat.RAW_F32;
        if (name.endsWith(".u8") || name.endsWith(".raw")) return PixelFormat.RAW_U8;
        throw new IllegalArgumentException(file + ": unknown image type (png, jpg, jpeg, u8, raw, f32)");
    }
}
