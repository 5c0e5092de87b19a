package io.otnn.cli.training;

import io.otnn.training.kafka.KafkaSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The broker and registry options of the trainer's commands. Security settings and credentials (SASL_SSL, TLS, the
 * registry's basic.auth.user.info) come from {@code --config FILE}, never from the command line.
 */
public final class KafkaOptions {

    @Option(names = "--bootstrap-servers", description = "Kafka brokers (default: bootstrap.servers of --config).")
    String bootstrapServers;

    @Option(
            names = "--schema-registry",
            description = "Schema registry URL (default: schema.registry.url of --config).")
    String schemaRegistry;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Properties file of client settings (security, registry credentials) for every client.")
    Path config;

    KafkaSettings settings(CommandLine cmd) {
        Map<String, Object> properties = new LinkedHashMap<>();
        if (config != null) {
            Properties loaded = new Properties();
            try (InputStream in = Files.newInputStream(config)) {
                loaded.load(in);
            } catch (IOException e) {
                throw new CommandLine.ParameterException(cmd, "cannot read --config " + config + ": " + e.getMessage());
            }
            loaded.stringPropertyNames().forEach(n -> properties.put(n, loaded.getProperty(n)));
        }
        String bootstrap = bootstrapServers != null ? bootstrapServers : (String) properties.get("bootstrap.servers");
        String registry = schemaRegistry != null ? schemaRegistry : (String) properties.get("schema.registry.url");
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new CommandLine.ParameterException(
                    cmd, "missing --bootstrap-servers (or bootstrap.servers in --config)");
        }
        if (registry == null || registry.isBlank()) {
            throw new CommandLine.ParameterException(
                    cmd, "missing --schema-registry (or schema.registry.url in --config)");
        }
        properties.remove("bootstrap.servers");
        properties.remove("schema.registry.url");
        return new KafkaSettings(bootstrap, registry, properties);
    }
}
