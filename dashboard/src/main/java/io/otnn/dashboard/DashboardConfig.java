package io.otnn.dashboard;

import io.otnn.dashboard.state.DashboardState;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The dashboard's settings. Topic keys and defaults are the stream explainer's ({@code topic.metrics}, ...); every
 * other key of {@code clientSettings} goes to the Kafka consumer and the registry client as it is (SASL_SSL, TLS,
 * {@code basic.auth.user.info}...), as the other commands take them from {@code --config}.
 *
 * @param bind     the address the HTTP server listens on (loopback unless said otherwise)
 * @param httpPort the port (0: a free one)
 * @param user     the basic-auth user, or null for none
 * @param password the basic-auth password (with a user), never logged
 */
public record DashboardConfig(
        Map<String, String> clientSettings,
        String bind,
        int httpPort,
        String user,
        char[] password,
        DashboardState.Limits limits) {

    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    public static final String TOPIC_METRICS_CONFIG = "topic.metrics";
    public static final String TOPIC_EXPLANATIONS_CONFIG = "topic.explanations";
    public static final String TOPIC_DEAD_LETTERS_CONFIG = "topic.dead.letters";
    public static final String TOPIC_MODELS_CONFIG = "topic.models";
    public static final String TOPIC_COMPARISON_CONFIG = "topic.metrics.comparison";
    public static final String TOPIC_TRAINING_STATUS_CONFIG = "topic.training.status";
    public static final String TOPIC_MODELS_STATUS_CONFIG = "topic.models.status";
    public static final String GROUP_ID_CONFIG = "group.id";

    /**
     * The topics and their defaults. The last three exist only once a shadow model, the trainer service or a live swap
     * wrote to them; the feed reads them when they appear.
     */
    public static final Map<String, String> TOPIC_DEFAULTS = Map.of(
            TOPIC_METRICS_CONFIG, "otnn.metrics",
            TOPIC_EXPLANATIONS_CONFIG, "otnn.explanations",
            TOPIC_DEAD_LETTERS_CONFIG, "otnn.images.dlq",
            TOPIC_MODELS_CONFIG, "otnn.models",
            TOPIC_COMPARISON_CONFIG, "otnn.metrics.comparison",
            TOPIC_TRAINING_STATUS_CONFIG, "otnn.training.status",
            TOPIC_MODELS_STATUS_CONFIG, "otnn.models.status");

    public static final String DEFAULT_BIND = "127.0.0.1";

    public DashboardConfig {
        clientSettings = Map.copyOf(clientSettings);
        for (String required : Set.of(BOOTSTRAP_SERVERS_CONFIG, SCHEMA_REGISTRY_URL_CONFIG)) {
            if (clientSettings.getOrDefault(required, "").isBlank()) {
                throw new IllegalArgumentException("missing " + required);
            }
        }
        if (httpPort < 0 || httpPort > 65_535) {
            throw new IllegalArgumentException("the HTTP port must be in 0..65535, got " + httpPort);
        }
        if ((user == null) != (password == null)) {
            throw new IllegalArgumentException("basic auth needs both a user and a password");
        }
        if (user != null && (user.isEmpty() || user.contains(":"))) {
            throw new IllegalArgumentException("the user must be non-empty and contain no ':'");
        }
        if (password != null && password.length == 0) {
            throw new IllegalArgumentException("the password is empty");
        }
        if (bind == null || bind.isBlank()) bind = DEFAULT_BIND;
        if (limits == null) limits = DashboardState.Limits.defaults();
    }

    /** Loopback, a free port, no auth, default limits. */
    public static DashboardConfig local(String bootstrapServers, String schemaRegistryUrl) {
        Map<String, String> settings = new HashMap<>();
        settings.put(BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        settings.put(SCHEMA_REGISTRY_URL_CONFIG, schemaRegistryUrl);
        return new DashboardConfig(settings, DEFAULT_BIND, 0, null, null, null);
    }

    public DashboardConfig withHttp(String bind, int port) {
        return new DashboardConfig(clientSettings, bind, port, user, password, limits);
    }

    public DashboardConfig withBasicAuth(String user, char[] password) {
        return new DashboardConfig(clientSettings, bind, httpPort, user, password, limits);
    }

    public DashboardConfig withSetting(String key, String value) {
        Map<String, String> settings = new HashMap<>(clientSettings);
        settings.put(key, value);
        return new DashboardConfig(settings, bind, httpPort, user, password, limits);
    }

    public String topic(String key) {
        return clientSettings.getOrDefault(key, TOPIC_DEFAULTS.get(key));
    }

    @Override
    public String toString() {
        return "DashboardConfig[bind=" + bind + ", httpPort=" + httpPort + ", user=" + user + ", limits=" + limits
                + "]";
    }
}
