package io.otnn.streams.models;

import io.otnn.avro.ModelCheckpoint;
import io.otnn.checkpoint.ModelStoreHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Brings an announced checkpoint onto this machine: a {@code file:} URI (a directory or an archive) is used where
 * it is; an {@code http(s):} one is downloaded into the {@link ModelCache} (connect and read timeouts, at most
 * {@code maxBytes}, the store's digest header checked against the announcement when present) unless already there.
 */
final class CheckpointFetcher {

    private final ModelCache cache;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final long maxBytes;
    private final HttpClient http;

    CheckpointFetcher(ModelCache cache, Duration connectTimeout, Duration readTimeout, long maxBytes) {
        this.cache = cache;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.maxBytes = maxBytes;
        this.http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    ModelCache cache() {
        return cache;
    }

    /** @return the local checkpoint directory or archive */
    Path fetch(ModelCheckpoint event) throws RefusedCheckpoint {
        URI uri;
        try {
            uri = URI.create(event.getUri());
        } catch (IllegalArgumentException e) {
            throw new RefusedCheckpoint("the URI '" + event.getUri() + "' is not a URI");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "file" -> local(uri);
            case "http", "https" -> download(uri, event);
            default ->
                throw new RefusedCheckpoint("the URI scheme '" + scheme + "' of " + event.getUri()
                        + " is not supported (file:, http: or https:)");
        };
    }

    private static Path local(URI uri) throws RefusedCheckpoint {
        Path path;
        try {
            path = Path.of(uri);
        } catch (RuntimeException e) {
            throw new RefusedCheckpoint("the file URI " + uri + " names no local path: " + e.getMessage());
        }
        if (!Files.exists(path)) {
            throw new RefusedCheckpoint(path + ": no such checkpoint directory or archive");
        }
        return path;
    }

    private Path download(URI uri, ModelCheckpoint event) throws RefusedCheckpoint {
        ModelStoreHttp.requireModelName(event.getModelName());
        Path entry = cache.entry(event.getModelName(), event.getVersion(), event.getManifestDigest());
        if (Files.isRegularFile(entry)) {
            return entry; // verified again by the loader like any other
        }
        HttpRequest request =
                HttpRequest.newBuilder(uri).timeout(readTimeout).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new RefusedCheckpoint("cannot fetch " + uri + " (connect timeout " + connectTimeout.toMillis()
                    + " ms, read timeout " + readTimeout.toMillis() + " ms): " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RefusedCheckpoint("interrupted while fetching " + uri);
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new RefusedCheckpoint("fetching " + uri + " answered HTTP " + response.statusCode());
            }
            Optional<String> header = response.headers().firstValue(ModelStoreHttp.MANIFEST_DIGEST_HEADER);
            if (header.isPresent() && !header.get().equalsIgnoreCase(event.getManifestDigest())) {
                throw new RefusedCheckpoint("the store's " + ModelStoreHttp.MANIFEST_DIGEST_HEADER + " " + header.get()
                        + " differs from the announced manifest digest " + event.getManifestDigest());
            }
            Files.createDirectories(entry.getParent());
            Path part = entry.resolveSibling(entry.getFileName() + ".part");
            long copied = 0;
            try (OutputStream out = Files.newOutputStream(part)) {
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = body.read(buffer)) >= 0) {
                    copied += n;
                    if (copied > maxBytes) {
                        throw new RefusedCheckpoint(
                                uri + " is larger than model.fetch.max.bytes=" + maxBytes + " bytes");
                    }
                    out.write(buffer, 0, n);
                }
            } catch (RefusedCheckpoint | IOException e) {
                Files.deleteIfExists(part);
                throw e;
            }
            Files.move(part, entry, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            cache.evict(entry);
            return entry;
        } catch (IOException e) {
            throw new RefusedCheckpoint("cannot fetch " + uri + ": " + describe(e));
        }
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        if (e instanceof java.net.ConnectException) {
            return "connection refused" + (message == null ? "" : " (" + message + ")");
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "timed out";
        }
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
