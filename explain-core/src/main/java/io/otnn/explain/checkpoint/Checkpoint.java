package io.otnn.explain.checkpoint;

import io.otnn.checkpoint.CheckpointException;
import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.checkpoint.SignatureContract;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.ArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;

/**
 * A verified checkpoint on disk: a directory, or an archive of one ({@code .tar.gz}, {@code .tgz}, {@code .tar},
 * {@code .zip}) extracted to a private temporary directory that {@link #close()} removes.
 *
 * <p>Opening checks, in order: the manifest exists and every listed file has its SHA-256 and no file was added; the
 * metadata is valid; the SavedModel graph is there. The signatures are checked once the graph is loaded
 * ({@link SignatureContract}).
 */
public final class Checkpoint implements AutoCloseable {

    /** Refuse archives that would extract to more than this (a checkpoint is tens of MB). */
    public static final long MAX_EXTRACTED_BYTES = 4L << 30;

    public static final String SAVED_MODEL = SignatureContract.SAVED_MODEL_FILE;

    private final Path dir;
    private final Path extractedTo;
    private final ModelMetadata metadata;
    private final CheckpointManifest manifest;

    private Checkpoint(Path dir, Path extractedTo, ModelMetadata metadata, CheckpointManifest manifest) {
        this.dir = dir;
        this.extractedTo = extractedTo;
        this.metadata = metadata;
        this.manifest = manifest;
    }

    /** Opens and verifies a checkpoint directory or archive. */
    public static Checkpoint open(Path dirOrArchive) {
        if (Files.isDirectory(dirOrArchive)) {
            return verify(dirOrArchive, null);
        }
        if (!Files.isRegularFile(dirOrArchive)) {
            throw new CheckpointException(dirOrArchive + ": no such checkpoint directory or archive");
        }
        Path tmp;
        try {
            tmp = Files.createTempDirectory("otnn-checkpoint-");
        } catch (IOException e) {
            throw new CheckpointException(
                    dirOrArchive + ": cannot create a directory to extract it: " + e.getMessage(), e);
        }
        try {
            extract(dirOrArchive, tmp);
            return verify(root(dirOrArchive, tmp), tmp);
        } catch (RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    private static Checkpoint verify(Path dir, Path extractedTo) {
        CheckpointManifest manifest = CheckpointManifest.read(dir);
        manifest.verify(dir);
        ModelMetadata metadata = ModelMetadata.read(dir.resolve(ModelMetadata.FILE_NAME));
        if (!manifest.digests().containsKey(ModelMetadata.FILE_NAME)) {
            throw new CheckpointException(dir.resolve(CheckpointManifest.FILE_NAME) + ": does not list "
                    + ModelMetadata.FILE_NAME + " (the metadata would not be sealed)");
        }
        if (!Files.isRegularFile(dir.resolve(SAVED_MODEL))) {
            throw new CheckpointException(dir.resolve(SAVED_MODEL) + ": missing (not a TensorFlow SavedModel)");
        }
        return new Checkpoint(dir, extractedTo, metadata, manifest);
    }

    public Path dir() {
        return dir;
    }

    public ModelMetadata metadata() {
        return metadata;
    }

    public CheckpointManifest manifest() {
        return manifest;
    }

    /** The checkpoint's identity: SHA-256 of its manifest. */
    public String digest() {
        return manifest.digest();
    }

    @Override
    public void close() {
        if (extractedTo != null) deleteTree(extractedTo);
    }

    /** The checkpoint is the archive's root, or its only top-level directory. */
    private static Path root(Path archive, Path tmp) {
        if (Files.exists(tmp.resolve(CheckpointManifest.FILE_NAME))) return tmp;
        try (Stream<Path> top = Files.list(tmp)) {
            List<Path> entries = top.toList();
            if (entries.size() == 1 && Files.isDirectory(entries.get(0))) return entries.get(0);
        } catch (IOException e) {
            throw new CheckpointException(archive + ": cannot list its content: " + e.getMessage(), e);
        }
        throw new CheckpointException(archive + ": holds no " + CheckpointManifest.FILE_NAME
                + " at its root nor in a single top-level directory");
    }

    private static void extract(Path archive, Path target) {
        String name = archive.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        long total = 0;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
                ArchiveInputStream<? extends ArchiveEntry> in = open(name, raw, archive)) {
            ArchiveEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                Path out = target.resolve(entry.getName()).normalize();
                if (!out.startsWith(target)) {
                    throw new CheckpointException(archive + ": entry '" + entry.getName() + "' escapes the archive");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                    continue;
                }
                if (entry instanceof org.apache.commons.compress.archivers.tar.TarArchiveEntry tar && !tar.isFile()) {
                    throw new CheckpointException(archive + ": entry '" + entry.getName()
                            + "' is a link or device; a checkpoint holds regular files only");
                }
                Files.createDirectories(out.getParent());
                total += Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                if (total > MAX_EXTRACTED_BYTES) {
                    throw new CheckpointException(
                            archive + ": extracts to more than " + MAX_EXTRACTED_BYTES + " bytes");
                }
            }
        } catch (IOException e) {
            throw new CheckpointException(
                    archive + ": not a readable archive (truncated or corrupt?): " + e.getMessage(), e);
        }
    }

    private static ArchiveInputStream<? extends ArchiveEntry> open(String name, InputStream raw, Path archive)
            throws IOException {
        if (name.endsWith(".tar.gz") || name.endsWith(".tgz"))
            return new TarArchiveInputStream(new GZIPInputStream(raw));
        if (name.endsWith(".tar")) return new TarArchiveInputStream(raw);
        if (name.endsWith(".zip")) return new ZipArchiveInputStream(raw);
        throw new CheckpointException(
                archive + ": unknown archive type (expected a directory, .tar.gz, .tgz, .tar or .zip)");
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temporary directory
        }
    }
}
