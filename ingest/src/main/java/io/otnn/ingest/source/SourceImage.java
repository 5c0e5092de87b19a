package io.otnn.ingest.source;

/**
 * One image read from a source, before it becomes an {@code ImageEvent}.
 *
 * @param id       stable id (the same file or IDX index always gives the same id)
 * @param source   where it comes from, e.g. {@code idx:fashion-mnist/t10k}
 * @param encoding {@code RAW_U8}, {@code PNG} or {@code JPEG}
 * @param label    the class when the source knows it, else {@code null}
 */
public record SourceImage(
        String id, String source, int width, int height, int channels, String encoding, byte[] pixels, Integer label) {}
