package io.otnn.streams.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory where checkpoints fetched over HTTP are kept ({@code model.cache.dir}), one archive per model name,
 * version and manifest digest, bounded in size ({@code model.cache.max.bytes}): the oldest archives go first, but
 * never those of the versions served lately, so that a rollback to one of them needs no download.
 */
final class ModelCache {

    private static final Logger LOG = LoggerFactory.getLogger(ModelCache.class);
    /** Versions whose archives stay whatever their age: the serving one and the ones served before it. */
    static final int KEEP_SERVED = 3;

    private final Path dir;
    private final long maxBytes;
    private final Set<Path> served = new LinkedHashSet<>();

    ModelCache(Path dir, long maxBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
    }

    Path dir() {
        return dir;
    }

    /** Where the archive of one checkpoint is (or goes). */
    Path entry(String name, int version, String digest) {
        String shortDigest = digest.length() > 16 ? digest.substring(0, 16) : digest;
        return dir.resolve(name).resolve(version + "-" + shortDigest.replaceAll("[^0-9a-fA-F]", "") + ".tar.gz");
    }

    /** Remembers that the checkpoint at {@code entry} serves now (kept through evictions). */
    synchronized void served(Path entry) {
        served.remove(entry);
        served.add(entry);
        while (served.size() > KEEP_SERVED) {
            served.remove(served.iterator().next());
        }
    }

    /** Deletes the oldest archives that are not kept until the cache holds at most its bound. */
    synchronized void evict(Path justFetched) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> archives = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(p -> p.getFileName().toString().endsWith(".tar.gz") && Files.isRegularFile(p))
                    .forEach(archives::add);
        } catch (IOException e) {
            LOG.warn("Cannot list the model cache {}: {}", dir, e.toString());
            return;
        }
        archives.sort(Comparator.comparingLong(ModelCache::modified));
        long total = archives.stream().mapToLong(ModelCache::size).sum();
        for (Path archive : archives) {
            if (total <= maxBytes) {
                break;
            }
            if (archive.equals(justFetched) || served.contains(archive)) {
                continue;
            }
            long size = size(archive);
            try {
                Files.deleteIfExists(archive);
                total -= size;
                LOG.info("Model cache: removed {} ({} bytes) to stay within {} bytes", archive, size, maxBytes);
            } catch (IOException e) {
                LOG.warn("Model cache: cannot remove {}: {}", archive, e.toString());
            }
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }
}
