package io.otnn.streams.testing;

import io.otnn.local.LocalStack;
import io.otnn.local.security.SecurityMaterial;
import io.otnn.streams.ExplainerConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.streams.StreamsConfig;

/**
 * What an explainer run against a secure {@link LocalStack} (SASL_SSL broker, HTTPS registry with basic auth) is given:
 * the properties file {@code otnn explain --config} reads, and its topics when the explainer may not create them.
 * Every name starts with a prefix, so that tests sharing one stack do not meet.
 */
public final class SecureExplainerFiles {
    private SecureExplainerFiles() {}

    /**
     * The user's client file (SASL_SSL, TLS, basic auth) plus the explainer's own keys (application id, state dir in
     * {@code dir}, the five topics, 3 partitions) and {@code overrides}, written to {@code dir}.
     */
    public static Path explainerConfig(
            SecurityMaterial security, String user, String prefix, Path dir, Map<String, String> overrides)
            throws Exception {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(security.clientPropertiesFile(user))) {
            properties.load(in);
        }
        Map<String, String> ours = new LinkedHashMap<>();
        ours.put(ExplainerConfig.APPLICATION_ID_CONFIG, prefix + "app");
        ours.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state-" + prefix).toString());
        ours.put(ExplainerConfig.INSTANCE_ID_CONFIG, "secure");
        ours.put(ExplainerConfig.TOPIC_IMAGES_CONFIG, prefix + "images");
        ours.put(ExplainerConfig.TOPIC_EXPLANATIONS_CONFIG, prefix + "explanations");
        ours.put(ExplainerConfig.TOPIC_DEAD_LETTERS_CONFIG, prefix + "dlq");
        ours.put(ExplainerConfig.TOPIC_METRICS_CONFIG, prefix + "metrics");
        ours.put(ExplainerConfig.TOPIC_MODELS_CONFIG, prefix + "models");
        ours.put(ExplainerConfig.TOPIC_IMAGES_PARTITIONS_CONFIG, "3");
        ours.put(ExplainerConfig.TOPIC_PARTITIONS_CONFIG, "3");
        ours.putAll(overrides);
        ours.forEach(properties::setProperty);
        Path file = dir.resolve(prefix + "explain.properties");
        try (OutputStream out = Files.newOutputStream(file)) {
            properties.store(out, "otnn explain --config");
        }
        return file;
    }

    /** The topics of {@link #explainerConfig} (models with one partition, the others with 3), as the admin user. */
    public static void createTopics(LocalStack stack, String prefix) throws Exception {
        try (Admin admin = Admin.create(stack.clientProperties())) {
            List<NewTopic> topics = new ArrayList<>();
            for (String name : List.of("images", "explanations", "dlq", "metrics", "models")) {
                topics.add(new NewTopic(prefix + name, name.equals("models") ? 1 : 3, (short) 1));
            }
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        }
    }
}
