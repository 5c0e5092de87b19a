package io.otnn.ingest.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A folder of PNG/JPEG files with one sub-folder per class: the label is the sub-folder's position in name order
 * (or its number when every sub-folder is named by a number). Files directly in the folder have no label.
 * Ids are the paths relative to the folder.
 */
public final class DirectorySource implements ImageSource {

    private final Path root;

    public DirectorySource(Path root) {
        this.root = root;
    }

    @Override
    public String describe() {
        return "dir:" + root;
    }

    @Override
    public void forEach(ImageSink sink, Consumer<String> onSkipped) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("no such folder: " + root);
        }
        List<Path> classes;
        try (Stream<Path> children = Files.list(root)) {
            classes = children.filter(Files::isDirectory).sorted().toList();
        }
        boolean numeric = !classes.isEmpty()
                && classes.stream().allMatch(c -> c.getFileName().toString().matches("\\d+"));
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(Files::isRegularFile).sorted().forEach(files::add);
        }
        String source = "dir:" + root.toAbsolutePath().normalize().getFileName();
        for (Path file : files) {
            Path relative = root.relativize(file);
            if (!ImageFiles.isImage(file)) {
                onSkipped.accept(relative + ": not a PNG or JPEG file");
                continue;
            }
            Integer label = null;
            if (relative.getNameCount() > 1) {
                Path classDir = root.resolve(relative.getName(0));
                label = numeric ? Integer.valueOf(classDir.getFileName().toString()) : classes.indexOf(classDir);
            }
            SourceImage image;
            try {
                image = ImageFiles.read(file, relative.toString().replace('\\', '/'), source, label);
            } catch (IOException e) {
                onSkipped.accept(relative + ": " + e.getMessage());
                continue;
            }
            if (!sink.accept(image)) {
                return;
            }
        }
    }
}
