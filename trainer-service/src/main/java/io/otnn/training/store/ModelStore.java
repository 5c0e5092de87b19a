package io.otnn.training.store;

import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.ModelStoreHttp;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;

/**
 * The model store, a folder:
 *
 * <pre>
 * STORE/models/{name}/{version}/         the checkpoint directory (otnn-model.json, MANIFEST.sha256, saved_model.pb, ...)
 * STORE/models/{name}/{version}.tar.gz   the same as one archive, what the HTTP server serves
 * STORE/models/.versions.lock            the lock under which versions are allocated
 * STORE/jobs/                            the journal (JobJournal)
 * </pre>
 *
 * A version is allocated by creating its (empty) directory under a file lock, so that two services sharing the store
 * never take the same one; it is complete once it holds a manifest, and served once its archive is there.
 */
public final class ModelStore {

    public static final String MODELS = "models";
    public static final String JOBS = "jobs";
    public static final String ARCHIVE_SUFFIX = ".tar.gz";
    static final String LOCK_FILE = ".versions.lock";

    private final Path root;
    private final Path models;

    /** One served version: its name, number and archive. */
    public record Served(String name, int version, Path archive) {}

    public ModelStore(Path root) throws IOException {
        this.root = Files.createDirectories(root.toAbsolutePath());
        this.models = Files.createDirectories(this.root.resolve(MODELS));
    }

    public Path root() {
        return root;
    }

    public Path jobs() {
        return root.resolve(JOBS);
    }

    public Path checkpointDir(String name, int version) {
        return models.resolve(ModelStoreHttp.requireModelName(name)).resolve(Integer.toString(version));
    }

    public Path archive(String name, int version) {
        return models.resolve(ModelStoreHttp.requireModelName(name)).resolve(version + ARCHIVE_SUFFIX);
    }

    /** Every version directory of {@code name} (allocated, complete or not), ascending. */
    public List<Integer> versions(String name) throws IOException {
        Path dir = models.resolve(ModelStoreHttp.requireModelName(name));
        List<Integer> versions = new ArrayList<>();
        if (!Files.isDirectory(dir)) return versions;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String f = p.getFileName().toString();
                if (Files.isDirectory(p) && f.matches("[1-9][0-9]{0,9}")) versions.add(Integer.parseInt(f));
            }
        }
        versions.sort(null);
        return versions;
    }

    /** The model names with at least one served version, and those versions: what {@code GET /models} lists. */
    public TreeMap<String, List<Integer>> served() throws IOException {
        TreeMap<String, List<Integer>> served = new TreeMap<>();
        try (DirectoryStream<Path> names = Files.newDirectoryStream(models)) {
            for (Path n : names) {
                String name = n.getFileName().toString();
                if (!Files.isDirectory(n)
                        || !ModelStoreHttp.MODEL_NAME.matcher(name).matches()) continue;
                List<Integer> versions = new ArrayList<>();
                for (int v : versions(name)) if (isServed(name, v)) versions.add(v);
                if (!versions.isEmpty()) served.put(name, versions);
            }
        }
        return served;
    }

    /** The checkpoint is complete: the publisher moves it in with its manifest, in one rename. */
    public boolean isComplete(String name, int version) {
        return Files.isRegularFile(checkpointDir(name, version).resolve(CheckpointManifest.FILE_NAME));
    }

    public boolean isServed(String name, int version) {
        return isComplete(name, version) && Files.isRegularFile(archive(name, version));
    }

    /**
     * Allocates the next version of {@code name}: one more than the largest in the store and than
     * {@code announcedMax} (the largest announced on the models topic), under the store's lock, by creating its
     * directory.
     */
    public int allocateVersion(String name, ToIntFunction<String> announcedMax) throws IOException {
        Path dir = Files.createDirectories(models.resolve(ModelStoreHttp.requireModelName(name)));
        // the file lock excludes other processes; within this JVM a second lock on the file would throw instead of wait
        synchronized (ModelStore.class) {
            return allocateLocked(name, dir, announcedMax);
        }
    }

    private int allocateLocked(String name, Path dir, ToIntFunction<String> announcedMax) throws IOException {
        try (FileChannel ch = FileChannel.open(
                        models.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = ch.lock()) {
            List<Integer> present = versions(name);
            int stored = present.isEmpty() ? 0 : present.get(present.size() - 1);
            int next = Math.max(stored, announcedMax.applyAsInt(name)) + 1;
            Files.createDirectory(dir.resolve(Integer.toString(next)));
            return next;
        }
    }

    /**
     * Gives back a version whose export never happened (its directory still empty), so that a failed job takes no
     * version; a later allocation may take it again only while no larger one exists.
     */
    public void releaseIfEmpty(String name, int version) throws IOException {
        Path dir = checkpointDir(name, version);
        synchronized (ModelStore.class) {
            try (FileChannel ch = FileChannel.open(
                            models.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = ch.lock()) {
                removeStaging(name, version);
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> entries = Files.list(dir)) {
                        if (entries.findAny().isEmpty()) Files.delete(dir);
                    }
                }
            }
        }
    }

    /** The largest version of {@code name} in the store, allocated or complete. */
    public OptionalInt latest(String name) throws IOException {
        List<Integer> v = versions(name);
        return v.isEmpty() ? OptionalInt.empty() : OptionalInt.of(v.get(v.size() - 1));
    }

    /** Bytes usable on the store's file system. */
    public long usableSpace() throws IOException {
        return Files.getFileStore(root).getUsableSpace();
    }

    /** Removes what an interrupted export of {@code version} left (the publisher's {@code .V.staging-*}). */
    public void removeStaging(String name, int version) throws IOException {
        Path dir = models.resolve(ModelStoreHttp.requireModelName(name));
        if (!Files.isDirectory(dir)) return;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "." + version + ".staging-*")) {
            for (Path p : entries) deleteTree(p);
        }
    }

    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** Total size of the regular files under {@code dir} (0 when missing). */
    public static long sizeOf(Path dir) throws IOException {
        if (!Files.exists(dir)) return 0;
        try (Stream<Path> walk = Files.walk(dir)) {
            long total = 0;
            for (Path p : walk.filter(Files::isRegularFile).toList()) total += Files.size(p);
            return total;
        }
    }
}
