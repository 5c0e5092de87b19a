package io.otnn.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

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
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    private final EmbeddedKafkaBroker broker;
    private final LocalSchemaRegistry registry;
    private final Path dataDir;
    private final boolean deleteOnClose;
    private boolean closed;

    private LocalStack(EmbeddedKafkaBroker broker, LocalSchemaRegistry registry, Path dataDir, boolean deleteOnClose) {
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
            dataDir = temporary ? Files.createTempDirectory("otnn-local-stack-") : config.dataDir().get();
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new LocalStackException("cannot create the data directory", e);
        }
        EmbeddedKafkaBroker broker = null;
        try {
            broker = EmbeddedKafkaBroker.start(dataDir.resolve("kafka"), config.kafkaPort(), config.brokerProperties());
            LocalSchemaRegistry registry = LocalSchemaRegistry.start(broker.bootstrapServers(), config.registryPort());
            LocalStack stack = new LocalStack(broker, registry, dataDir, temporary);
            LOG.info("Local stack started in {} ms: Kafka {}, schema registry {}",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), stack.bootstrapServers(),
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

    /** The {@code bootstrap.servers} of the broker, e.g. {@code 127.0.0.1:9092}. */
    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** The registry's URL, e.g. {@code http://127.0.0.1:8081}. */
    public String schemaRegistryUrl() {
        return registry.url();
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
