package io.otnn.streams.testing;

import io.otnn.explain.testing.Fixtures;
import io.otnn.local.LocalStack;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.explaining.OtnnEngine;
import io.otnn.streams.format.AvroRecordFormat;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;

/**
 * What the end-to-end tests share for a test class: the local stack, a registry client, the Avro wire format and,
 * when asked, the real engine on explain-core's dense 784-256-256-10 fixture checkpoint. Closed in reverse order.
 */
public record EmbeddedPipeline(
        LocalStack stack, SchemaRegistryClient registry, AvroRecordFormat format, OtnnEngine engine)
        implements AutoCloseable {

    public static EmbeddedPipeline start(boolean withEngine) {
        LocalStack stack = LocalStack.start();
        SchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(stack.schemaRegistryUrl());
        OtnnEngine engine = withEngine ? OtnnEngine.load(Fixtures.denseMnist()) : null;
        return new EmbeddedPipeline(stack, registry, new AvroRecordFormat(registry), engine);
    }

    /** Explainer settings for this stack: broker, registry, application id and state directory (a mutable map). */
    public Map<String, Object> explainerProps(String applicationId, Path stateDir) {
        Map<String, Object> props = new HashMap<>();
        props.put(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        props.put(ExplainerConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        return props;
    }

    /** The same, with the five topics named {@code prefix + "images"}, {@code prefix + "explanations"}, ... */
    public Map<String, Object> explainerProps(String applicationId, String topicPrefix, Path stateDir) {
        Map<String, Object> props = explainerProps(applicationId, stateDir);
        props.put(ExplainerConfig.TOPIC_IMAGES_CONFIG, topicPrefix + "images");
        props.put(ExplainerConfig.TOPIC_EXPLANATIONS_CONFIG, topicPrefix + "explanations");
        props.put(ExplainerConfig.TOPIC_DEAD_LETTERS_CONFIG, topicPrefix + "dlq");
        props.put(ExplainerConfig.TOPIC_METRICS_CONFIG, topicPrefix + "metrics");
        props.put(ExplainerConfig.TOPIC_MODELS_CONFIG, topicPrefix + "models");
        return props;
    }

    @Override
    public void close() {
        if (engine != null) {
            engine.close();
        }
        registry.close();
        stack.close();
    }
}
