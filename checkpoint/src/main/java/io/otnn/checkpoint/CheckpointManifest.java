package io.otnn.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code MANIFEST.sha256}: the SHA-256 of every file of a checkpoint but itself, in {@code sha256sum} format, so
 * {@code sha256sum -c MANIFEST.sha256} verifies a checkpoint without this code. Its own digest identifies the checkpoint.
 */
public final class CheckpointManifest {

    public static final String FILE_NAME = "MANIFEST.sha256";

    private final SortedMap<String, String> digests;

    private CheckpointManifest(SortedMap<String, String> digests) {
        this.digests = digests;
    }

    /** Hashes every regular file under {@code dir} (but the manifest) and writes the manifest. */
    public static CheckpointManifest write(Path dir) throws IOException {
        SortedMap<String, String> digests = new TreeMap<>();
        for (Path file : filesUnder(dir)) {
            digests.put(relative(dir, file), sha256(file));
        }
        CheckpointManifest manifest = new CheckpointManifest(digests);
        Files.writeString(dir.resolve(FILE_NAME), manifest.render(), StandardCharsets.UTF_8);
        return manifest;
    }

    public static CheckpointManifest read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + ": missing (a checkpoint without a manifest cannot be verified)");
        }
        SortedMap<String, String> digests = new TreeMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CheckpointException(file + ": unreadable: " + e.getMessage(), e);
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            if (line.length() < 67 || !line.substring(0, 64).matches("[0-9a-f]{64}") || !line.startsWith("  ", 64)) {
                throw new CheckpointException(file + ": line " + (i + 1) + " is not '<sha256>  <path>'");
            }
            String path = line.substring(66);
            if (path.startsWith("/") || path.contains("..")) {
                throw new CheckpointException(
                        file + ": line " + (i + 1) + " names a path outside the checkpoint: " + path);
            }
            digests.put(path, line.substring(0, 64));
        }
        if (digests.isEmpty()) {
            throw new CheckpointException(file + ": lists no file");
        }
        return new CheckpointManifest(digests);
    }

    /**
     * Checks that every listed file exists with its digest and that no unlisted file was added.
     *
     * @throws CheckpointException naming the first file that differs and how
     */
    public void verify(Path dir) {
        for (Map.Entry<String, String> entry : digests.entrySet()) {
            Path file = dir.resolve(entry.getKey());
            if (!Files.isRegularFile(file)) {
                throw new CheckpointException(
                        file + ": listed in " + FILE_NAME + " but missing (incomplete checkpoint)");
            }
            String actual;
            try {
                actual = sha256(file);
            } catch (IOException e) {
                throw new CheckpointException(file + ": unreadable: " + e.getMessage(), e);
            }
            if (!actual.equals(entry.getValue())) {
                throw new CheckpointException(file + ": SHA-256 " + actual + " differs from " + entry.getValue()
                        + " in " + FILE_NAME + " (corrupt or tampered)");
            }
        }
        try {
            for (Path file : filesUnder(dir)) {
                if (!digests.containsKey(relative(dir, file))) {
                    throw new CheckpointException(file + ": not listed in " + FILE_NAME + " (added after export)");
                }
            }
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot list files: " + e.getMessage(), e);
        }
    }

    /** SHA-256 of the manifest's own bytes: the identity of the checkpoint carried by {@code ModelCheckpoint} events. */
    public String digest() {
        return sha256(render().getBytes(StandardCharsets.UTF_8));
    }

    public Map<String, String> digests() {
        return new LinkedHashMap<>(digests);
    }

    private String render() {
        StringBuilder out = new StringBuilder();
        digests.forEach(
                (path, digest) -> out.append(digest).append("  ").append(path).append('\n'));
        return out.toString();
    }

    private static List<Path> filesUnder(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> files = new ArrayList<>();
            walk.filter(Files::isRegularFile)
                    .filter(p -> !p.equals(dir.resolve(FILE_NAME)))
                    .sorted()
                    .forEach(files::add);
            return files;
        }
    }

    private static String relative(Path dir, Path file) {
        return dir.relativize(file).toString().replace('\\', '/');
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = newDigest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(newDigest().digest(bytes));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }
}
