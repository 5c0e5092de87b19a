package io.otnn.ingest.source;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/** A single PNG or JPEG file, without label; its id is its file name. */
public final class FileSource implements ImageSource {

    private final Path file;

    public FileSource(Path file) {
        this.file = file;
    }

    @Override
    public String describe() {
        return file.toString();
    }

    @Override
    public void forEach(ImageSink sink, Consumer<String> onSkipped) {
        try {
            sink.accept(ImageFiles.read(file, file.getFileName().toString(), "file", null));
        } catch (IOException e) {
            onSkipped.accept(file + ": " + e.getMessage());
        }
    }
}
