package io.otnn.cli.streams;

import io.otnn.schemas.registry.SchemaRegistryClientConfig;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code otnn explain}: runs the stream explainer until SIGTERM or Ctrl-C.
 *
 * <p>Configuration sources, later ones win: {@code --config FILE}, environment ({@code OTNN_*},
 * {@code OTNN_KAFKA_*}), flags. Any Kafka Streams or client property can be given with {@code -p key=value}.
 * A missing or bad setting is misuse (one line, exit 2), found before anything is contacted; then the broker and
 * the registry are waited for (exit 1 when they stay unreachable), then the model is loaded
 * ({@link StreamExplainerApp#runUntilStopped}).
 */
@Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        description = "Explain images from Kafka in real time: ImageEvents in, one Explanation per image out, "
                + "dead letters and metric windows.")
public final class ExplainCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", description = "Kafka brokers (bootstrap.servers).")
    String bootstrapServers;

    @Option(names = "--schema-registry", description = "Schema registry URL (schema.registry.url).")
    String schemaRegistry;

    @Option(names = "--model", description = "OTNN checkpoint directory or .tar.gz archive (model).")
    String model;

    @Option(
            names = "--model-name",
            description = "Follow this model name on the models topic and swap live to each announced version "
                    + "(model.name); without --model, wait for its first accepted checkpoint.")
    String modelName;

    @Option(
            names = "--model-version",
            description = "Pin the followed model to this version, e.g. to roll back (model.version).")
    Integer modelVersion;

    @Option(names = "--config", description = "Properties file: our keys and any Kafka Streams/client property.")
    Path config;

    @Option(
            names = {"-p", "--property"},
            description = "Any configuration key, e.g. -p batch.max.size=32.")
    Map<String, String> properties = new LinkedHashMap<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // a refused credential stops Kafka Streams (one ERROR line names it): exit 1 rather than wait forever
        return StreamExplainerApp.runUntilStopped(
                                validated(),
                                app -> app.monitoring()
                                        .url()
                                        .ifPresent(url -> System.out.println(
                                                "health and metrics: " + url + "/health/ready, " + url + "/metrics")))
                        .isPresent()
                ? 1
                : 0;
    }

    /** The merged configuration, or a {@link ParameterException} (exit 2) naming the missing or bad setting. */
    ExplainerConfig validated() {
        Map<String, Object> flags = new HashMap<>(properties);
        putIfSet(flags, ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        putIfSet(flags, ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistry);
        putIfSet(flags, ExplainerConfig.MODEL_CONFIG, model);
        putIfSet(flags, ExplainerConfig.MODEL_NAME_CONFIG, modelName);
        putIfSet(flags, ExplainerConfig.MODEL_VERSION_CONFIG, modelVersion == null ? null : modelVersion.toString());
        if (config != null && !Files.isRegularFile(config)) {
            throw misuse("--config " + config + ": no such file");
        }
        ExplainerConfig loaded;
        try {
            loaded = ExplainerConfig.load(config, System.getenv(), flags);
        } catch (ConfigException e) {
            if (e.getMessage() != null
                    && e.getMessage().contains(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG)
                    && e.getMessage().startsWith("Missing required")) {
                throw misuse(required("--bootstrap-servers", ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG));
            }
            throw misuse(e.getMessage());
        }
        String modelPath = loaded.getString(ExplainerConfig.MODEL_CONFIG);
        String followed = loaded.getString(ExplainerConfig.MODEL_NAME_CONFIG);
        if (modelPath.isBlank() && followed.isBlank()) {
            throw misuse(required("--model", ExplainerConfig.MODEL_CONFIG) + ", or --model-name to follow one");
        }
        if (!followed.isBlank()
                && !io.otnn.checkpoint.ModelStoreHttp.MODEL_NAME
                        .matcher(followed)
                        .matches()) {
            throw misuse("--model-name " + followed + ": not 1 to 128 letters, digits, '.', '_' or '-'");
        }
        if (!modelPath.isBlank() && !Files.exists(Path.of(modelPath))) {
            throw misuse("--model " + modelPath + ": no such checkpoint directory or archive");
        }
        if (loaded.getString(ExplainerConfig.FORMAT_CONFIG).equals("avro")) {
            if (loaded.getString(ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG).isBlank()) {
                throw misuse(
                        required("--schema-registry", ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG) + " (format=avro)");
            }
            try {
                SchemaRegistryClientConfig.from(loaded.originals());
            } catch (IllegalArgumentException e) {
                throw misuse(e.getMessage());
            }
        }
        return loaded;
    }

    private ParameterException misuse(String message) {
        return new ParameterException(spec.commandLine(), "explain: " + message.replace('\n', ' '));
    }

    private static String required(String flag, String key) {
        return "missing " + flag + " (or " + key + " in --config, or OTNN_"
                + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_') + ")";
    }

    private static void putIfSet(Map<String, Object> flags, String key, String value) {
        if (value != null) {
            flags.put(key, value);
        }
    }
}
