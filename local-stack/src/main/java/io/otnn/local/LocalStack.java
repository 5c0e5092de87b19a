package io.otnn.local;

import io.otnn.local.security.SecurityMaterial;
import io.otnn.local.security.StackSecurity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.errors.AuthenticationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default: a real single-node Kafka broker (KRaft) and a Confluent-compatible schema registry,
 * both in this JVM and on 127.0.0.1.
 *
 * <pre>{@code
 * try (LocalStack stack = LocalStack.start()) {
 *     String bootstrap = stack.bootstrapServers();
 *     String registryUrl = stack.schemaRegistryUrl();
 *     ...
 * }
 * }</pre>
 *
 * <p>With {@link LocalStackConfig.Builder#dataDir(Path)} the broker's data, and with it the registry's
 * {@code _schemas} topic, survive a restart; otherwise a temporary directory is used and deleted on close.
 *
 * <p>With {@link LocalStackConfig.Builder#security(StackSecurity)} the broker's client listener requires SASL_SSL
 * (SCRAM) and the registry HTTPS with basic auth. A fresh CA, key and trust stores and one client properties file
 * per user are written in {@code <data dir>/security} at every start ({@link #security()}); the SCRAM users are
 * created (or their passwords replaced) over the broker's internal listener before {@code start} returns.
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    private final EmbeddedKafkaBroker broker;
    private final LocalSchemaRegistry registry;
    private final Path dataDir;
    private final boolean deleteOnClose;
    private final SecurityMaterial security;
    private boolean closed;

    private LocalStack(
            EmbeddedKafkaBroker broker,
            LocalSchemaRegistry registry,
            Path dataDir,
            boolean deleteOnClose,
            SecurityMaterial security) {
        this.security = security;
        this.broker = broker;
        this.registry = registry;
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
    }

    /** Starts a stack on free ports with a temporary data directory (deleted on close). */
    public static LocalStack start() {
        return start(LocalStackConfig.builder().build());
    }

    /** Starts a stack as configured. */
    public static LocalStack start(LocalStackConfig config) {
        long start = System.nanoTime();
        boolean temporary = config.dataDir().isEmpty();
        Path dataDir;
        try {
            dataDir = temporary
                    ? Files.createTempDirectory("otnn-local-stack-")
                    : config.dataDir().get();
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new LocalStackException("cannot create the data directory", e);
        }
        EmbeddedKafkaBroker broker = null;
        try {
            SecurityMaterial security = config.security()
                    .map(s -> SecurityMaterial.create(s, dataDir.resolve("security")))
                    .orElse(null);
            broker = EmbeddedKafkaBroker.start(
                    dataDir.resolve("kafka"), config.kafkaPort(), config.brokerProperties(), security);
            LocalSchemaRegistry registry;
            if (security == null) {
                registry = LocalSchemaRegistry.start(broker.bootstrapServers(), config.registryPort());
            } else {
                createScramUsers(broker, security);
                // the registry is a client like any other: SASL_SSL as the first user
                String registryUser =
                        security.security().users().keySet().iterator().next();
                Map<String, Object> kafkaClient = new LinkedHashMap<>(security.kafkaClientProperties(registryUser));
                kafkaClient.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
                registry = LocalSchemaRegistry.start(kafkaClient, config.registryPort(), security.registryAuth());
                security.writeClientProperties(broker.bootstrapServers(), registry.url());
            }
            LocalStack stack = new LocalStack(broker, registry, dataDir, temporary, security);
            LOG.info(
                    "Local stack started in {} ms: Kafka {}, schema registry {}",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                    stack.bootstrapServers(),
                    stack.schemaRegistryUrl());
            return stack;
        } catch (RuntimeException e) {
            if (broker != null) {
                broker.close();
            }
            if (temporary) {
                Files2.deleteRecursively(dataDir);
            }
            throw e;
        }
    }

    /**
     * Creates the SCRAM users (or replaces their passwords) over the internal listener, then waits until each can
     * log in on the client listener: the broker applies new credentials a moment after the controller took them.
     */
    private static void createScramUsers(EmbeddedKafkaBroker broker, SecurityMaterial security) {
        StackSecurity settings = security.security();
        ScramMechanism mechanism = ScramMechanism.fromMechanismName(settings.mechanism());
        List<UserScramCredentialAlteration> upserts = settings.users().entrySet().stream()
                .<UserScramCredentialAlteration>map(u -> new UserScramCredentialUpsertion(
                        u.getKey(), new ScramCredentialInfo(mechanism, 8192), u.getValue()))
                .toList();
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.internalBootstrapServers()))) {
            admin.alterUserScramCredentials(upserts).all().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalStackException("interrupted while creating the SCRAM users", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new LocalStackException(
                    "cannot create the SCRAM users " + settings.users().keySet(), e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (String user : settings.users().keySet()) {
            Map<String, Object> client = new LinkedHashMap<>(security.kafkaClientProperties(user));
            client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            while (true) {
                try (Admin admin = Admin.create(client)) {
                    admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
                    break;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof AuthenticationException) || System.nanoTime() > deadline) {
                        throw new LocalStackException("SCRAM user " + user + " cannot log in to the broker", e);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LocalStackException("interrupted while waiting for the SCRAM users", e);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new LocalStackException("SCRAM user " + user + " cannot log in to the broker", e);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LocalStackException("interrupted while waiting for the SCRAM users", e);
                }
            }
        }
    }

    /** The {@code bootstrap.servers} of the broker, e.g. {@code 127.0.0.1:9092}. */
    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** The registry's URL, e.g. {@code http://127.0.0.1:8081} ({@code https://} when secure). */
    public String schemaRegistryUrl() {
        return registry.url();
    }

    /** The CA, stores and client files of a secure stack; empty for a PLAINTEXT stack. */
    public Optional<SecurityMaterial> security() {
        return Optional.ofNullable(security);
    }

    /**
     * Everything a client of this stack needs: {@code bootstrap.servers}, {@code schema.registry.url} and, when
     * secure, the first user's SASL_SSL, TLS and basic-auth settings (what its client properties file holds).
     */
    public Map<String, Object> clientProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put("schema.registry.url", schemaRegistryUrl());
        if (security != null) {
            String user = security.security().users().keySet().iterator().next();
            p.putAll(security.kafkaClientProperties(user));
            p.putAll(security.registryClientProperties(user));
        }
        return p;
    }

    public EmbeddedKafkaBroker broker() {
        return broker;
    }

    public LocalSchemaRegistry registry() {
        return registry;
    }

    /** The data directory (temporary unless one was configured). */
    public Path dataDir() {
        return dataDir;
    }

    /** Stops the registry, then the broker; deletes a temporary data directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            registry.close();
        } finally {
            broker.close();
            if (deleteOnClose) {
                Files2.deleteRecursively(dataDir);
            }
        }
    }
}
