package io.otnn.local;

import io.otnn.local.security.StackSecurity;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link LocalStack#start(LocalStackConfig)} starts: where the data lives, which ports to use,
 * and any broker property to override. Build with {@link #builder()}.
 */
public final class LocalStackConfig {

    /** Port value that means "choose a free port". */
    public static final int ANY_PORT = 0;

    private final Path dataDir;
    private final int kafkaPort;
    private final int registryPort;
    private final Map<String, String> brokerProperties;
    private final StackSecurity security;

    private LocalStackConfig(Builder builder) {
        this.security = builder.security;
        this.dataDir = builder.dataDir;
        this.kafkaPort = builder.kafkaPort;
        this.registryPort = builder.registryPort;
        this.brokerProperties = Collections.unmodifiableMap(new LinkedHashMap<>(builder.brokerProperties));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The data directory; empty means a temporary directory deleted on close. */
    public Optional<Path> dataDir() {
        return Optional.ofNullable(dataDir);
    }

    /** The broker's client port, or {@link #ANY_PORT}. */
    public int kafkaPort() {
        return kafkaPort;
    }

    /** The registry's HTTP port, or {@link #ANY_PORT}. */
    public int registryPort() {
        return registryPort;
    }

    /** Broker properties that override the defaults of {@link EmbeddedKafkaBroker}. */
    public Map<String, String> brokerProperties() {
        return brokerProperties;
    }

    /** The security of the broker and the registry; empty means PLAINTEXT and plain HTTP without authentication. */
    public Optional<StackSecurity> security() {
        return Optional.ofNullable(security);
    }

    /** Builder of {@link LocalStackConfig}; every value is optional. */
    public static final class Builder {
        private Path dataDir;
        private int kafkaPort = ANY_PORT;
        private int registryPort = ANY_PORT;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private StackSecurity security;

        private Builder() {}

        /** Requires SASL_SSL (SCRAM) on the broker's client listener and HTTPS with basic auth on the registry. */
        public Builder security(StackSecurity security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        /** Keeps broker data and schemas in {@code dir} (created if missing, kept on close). */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** The broker's client port, 1..65535, or 0 for a free port. */
        public Builder kafkaPort(int port) {
            this.kafkaPort = checkPort(port, "kafkaPort");
            return this;
        }

        /** The registry's HTTP port, 1..65535, or 0 for a free port. */
        public Builder registryPort(int port) {
            this.registryPort = checkPort(port, "registryPort");
            return this;
        }

        /** Overrides one broker property (for example {@code num.partitions}). */
        public Builder brokerProperty(String name, String value) {
            brokerProperties.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public LocalStackConfig build() {
            return new LocalStackConfig(this);
        }

        private static int checkPort(int port, String what) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException(what + " must be in 0..65535 (0 = any free port), was " + port);
            }
            return port;
        }
    }
}
