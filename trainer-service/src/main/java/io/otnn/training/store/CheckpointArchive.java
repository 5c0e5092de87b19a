package io.otnn.training.store;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Writes a checkpoint directory as one {@code .tar.gz} (its files at the archive's root), atomically. */
public final class CheckpointArchive {

    private CheckpointArchive() {}

    public static void write(Path checkpointDir, Path archive) throws IOException {
        Path tmp = archive.resolveSibling(archive.getFileName() + ".tmp");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(checkpointDir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        try (OutputStream raw = Files.newOutputStream(tmp);
                TarArchiveOutputStream tar =
                        new TarArchiveOutputStream(new GZIPOutputStream(new BufferedOutputStream(raw)))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Path f : files) {
                String name = checkpointDir.relativize(f).toString().replace('\\', '/');
                tar.putArchiveEntry(new TarArchiveEntry(f.toFile(), name));
                Files.copy(f, tar);
                tar.closeArchiveEntry();
            }
        }
        DurableFiles.moveAtomically(tmp, archive);
    }
}
