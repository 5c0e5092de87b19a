package io.otnn.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A client properties file (producer and registry client settings: SASL_SSL, TLS, basic auth), so that no password
 * is on a command line; {@link ImagePublisher.Builder#optClientSettings} takes what it holds.
 */
public final class ClientSettings {
    private ClientSettings() {}

    public static Map<String, String> read(Path file) throws IOException {
        Properties loaded = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            loaded.load(in);
        }
        Map<String, String> read = new LinkedHashMap<>();
        loaded.stringPropertyNames().forEach(name -> read.put(name, loaded.getProperty(name)));
        return read;
    }
}
