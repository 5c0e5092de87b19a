package io.otnn.ingest.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A sequence of images. Items that cannot be read are reported to {@code onSkipped} with a one-line reason and
 * skipped; a source that cannot be opened at all throws.
 */
public interface ImageSource {

    /** Calls {@code sink} for every image in order until it returns false; reports unreadable items. */
    void forEach(ImageSink sink, Consumer<String> onSkipped) throws IOException;

    /** A description for messages, e.g. {@code idx:/data/fashion-mnist}. */
    String describe();

    @FunctionalInterface
    interface ImageSink {
        /** @return false to stop (limit reached) */
        boolean accept(SourceImage image);
    }

    /**
     * Parses a command-line source: {@code idx:DIR} (or an IDX images file), {@code dir:DIR} (one sub-folder per
     * class) or a plain path (a single image file, or a directory read like {@code dir:}).
     */
    static ImageSource parse(String spec) {
        if (spec.startsWith("idx:")) {
            return IdxSource.open(Path.of(spec.substring(4)));
        }
        if (spec.startsWith("dir:")) {
            return new DirectorySource(Path.of(spec.substring(4)));
        }
        Path path = Path.of(spec);
        return Files.isDirectory(path) ? new DirectorySource(path) : new FileSource(path);
    }
}
