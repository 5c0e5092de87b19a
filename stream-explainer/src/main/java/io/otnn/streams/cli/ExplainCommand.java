package io.otnn.streams.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code otnn explain}: runs the stream explainer until SIGTERM or Ctrl-C.
 *
 * <p>Configuration sources, later ones win: {@code --config FILE}, environment ({@code OTNN_*},
 * {@code OTNN_KAFKA_*}), flags. Any Kafka Streams or client property can be given with {@code -p key=value}.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Explain images from Kafka in real time: ImageEvents in, one Explanation per image out, "
                + "dead letters and metric windows.")
public final class ExplainCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", description = "Kafka brokers (bootstrap.servers).")
    String bootstrapServers;

    @Option(names = "--schema-registry", description = "Schema registry URL (schema.registry.url).")
    String schemaRegistry;

    @Option(names = "--model", description = "OTNN checkpoint directory or .tar.gz archive (model).")
    String model;

    @Option(names = "--config", description = "Properties file: our keys and any Kafka Streams/client property.")
    Path config;

    @Option(names = {"-p", "--property"}, description = "Any configuration key, e.g. -p batch.max.size=32.")
    Map<String, String> properties = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        Map<String, Object> flags = new HashMap<>(properties);
        putIfSet(flags, ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        putIfSet(flags, ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistry);
        putIfSet(flags, ExplainerConfig.MODEL_CONFIG, model);
        ExplainerConfig explainerConfig = ExplainerConfig.load(config, System.getenv(), flags);
        StreamExplainerApp app = StreamExplainerApp.builder().setConfig(explainerConfig).build();
        app.closeOnShutdown();
        app.start();
        // a refused credential stops Kafka Streams (one ERROR line names it): exit 1 rather than wait forever
        if (app.awaitStop().isPresent()) {
            app.close();
            return 1;
        }
        app.awaitClose();
        return 0;
    }

    private static void putIfSet(Map<String, Object> flags, String key, String value) {
        if (value != null) {
            flags.put(key, value);
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ExplainCommand()).execute(args));
    }
}
