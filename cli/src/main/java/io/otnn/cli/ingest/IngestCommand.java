package io.otnn.cli.ingest;

import io.otnn.ingest.ClientSettings;
import io.otnn.ingest.ImagePublisher;
import io.otnn.ingest.PublishResult;
import io.otnn.ingest.source.ImageSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code otnn ingest}: publishes images as {@code ImageEvent}s. Exit code 0 when at least one image was sent and no
 * credential was refused, 1 when none could be sent or Kafka or the registry refused the credentials, 2 on bad
 * arguments.
 *
 * <p>Settings: {@code --config FILE} (producer and registry client properties, e.g. a secure local stack's client
 * file, so that no password is on the command line), then {@code -p key=value}; the flags
 * {@code --bootstrap-servers} and {@code --schema-registry} win over {@code bootstrap.servers} and
 * {@code schema.registry.url} of the file.
 */
@Command(
        name = "ingest",
        mixinStandardHelpOptions = true,
        description = "Publish images (IDX files, image folders, single files) as ImageEvents on Kafka.")
public final class IngestCommand implements Callable<Integer> {

    @Option(
            names = "--source",
            required = true,
            arity = "1..*",
            description = "idx:DIR (or an IDX images file), dir:DIR (one sub-folder per class), or FILE...")
    List<String> sources = new ArrayList<>();

    @Option(names = "--rate", description = "Images per second (default: as fast as possible).")
    double rate;

    @Option(names = "--limit", description = "Most images to send (default: all).")
    long limit;

    @Option(names = "--with-labels", description = "Send the labels the source knows (for accuracy metrics).")
    boolean withLabels;

    @Option(names = "--bootstrap-servers", description = "Kafka brokers (default: bootstrap.servers of --config).")
    String bootstrapServers;

    @Option(
            names = "--schema-registry",
            description = "Schema registry URL (default: schema.registry.url of --config).")
    String schemaRegistry;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Properties file: producer and registry client settings (SASL_SSL, TLS, basic auth).")
    Path config;

    @Option(names = "--topic", description = "Images topic (default: ${DEFAULT-VALUE}).")
    String topic = ImagePublisher.DEFAULT_TOPIC;

    @Option(
            names = {"-p", "--property"},
            description = "Any producer property, e.g. -p security.protocol=SSL.")
    Map<String, String> properties = new LinkedHashMap<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Map<String, String> settings = new LinkedHashMap<>();
        if (config != null) {
            try {
                settings.putAll(ClientSettings.read(config));
            } catch (IOException e) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "cannot read --config " + config + ": " + e.getMessage());
            }
        }
        settings.putAll(properties);
        if (bootstrapServers != null) {
            settings.put("bootstrap.servers", bootstrapServers);
        }
        if (schemaRegistry != null) {
            settings.put("schema.registry.url", schemaRegistry);
        }
        if (settings.getOrDefault("bootstrap.servers", "").isBlank()) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "Missing --bootstrap-servers (or bootstrap.servers in --config)");
        }
        if (settings.getOrDefault("schema.registry.url", "").isBlank()) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "Missing --schema-registry (or schema.registry.url in --config)");
        }
        List<ImageSource> parsed = new ArrayList<>();
        List<String> unusable = new ArrayList<>();
        for (String source : sources) {
            try {
                parsed.add(ImageSource.parse(source));
            } catch (IllegalArgumentException e) {
                unusable.add(e.getMessage());
            }
        }
        if (parsed.isEmpty()) {
            // not one source to read: misuse, found before the broker is contacted
            throw new CommandLine.ParameterException(spec.commandLine(), "ingest: " + String.join("; ", unusable));
        }
        unusable.forEach(message -> spec.commandLine().getErr().println("ingest: " + message));
        ImagePublisher.Builder builder = ImagePublisher.builder()
                .optClientSettings(settings)
                .optTopic(topic)
                .optRate(rate)
                .optLimit(limit)
                .optWithLabels(withLabels);
        var out = spec.commandLine().getOut();
        PublishResult result;
        try (ImagePublisher publisher = builder.build()) {
            result = publisher.publish(parsed, (sent, perSecond) -> {
                out.print("\r" + bar(sent, limit) + String.format(" %,d images  %,.0f/s   ", sent, perSecond));
                out.flush();
            });
        }
        out.println();
        result.messages().forEach(m -> spec.commandLine().getErr().println("ingest: " + m));
        if (result.stopped()) {
            spec.commandLine().getErr().println("ingest: stopped: " + result.stoppedBy());
        }
        out.println(result.summary(topic));
        return result.succeeded() ? 0 : 1;
    }

    private static String bar(long done, long total) {
        int width = 30;
        if (total <= 0) {
            return "[" + "=".repeat((int) (done / 100 % width)) + ">" + " ".repeat(width - (int) (done / 100 % width))
                    + "]";
        }
        int filled = (int) Math.min(width, done * width / total);
        return "[" + "#".repeat(filled) + " ".repeat(width - filled) + "]";
    }
}
