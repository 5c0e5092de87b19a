package io.otnn.local;

import io.otnn.local.security.SecurityMaterial;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker in KRaft mode (combined broker and controller) running in this JVM.
 *
 * <p>The storage is formatted with Kafka's own {@link Formatter} (skipped when the directory is already
 * formatted, so a restart on the same directory keeps every topic), then a {@link KafkaRaftServer} is
 * started. Internal topics use replication 1 so that transactions and consumer groups work on one node.
 *
 * <p>Secure mode ({@link #start(Path, int, Map, SecurityMaterial)}): the client listener requires SASL_SSL with
 * the stack's SCRAM mechanism and server key; an {@code INTERNAL} PLAINTEXT listener on 127.0.0.1 carries the
 * inter-broker traffic and the stack's own administration (creating the SCRAM users), next to the
 * {@code CONTROLLER} listener, also PLAINTEXT on 127.0.0.1.
 *
 * <p>Kafka's requests to end the process go through {@link KafkaExitGuard}: logged, and ignored while the broker
 * stops.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final int NODE_ID = 1;
    private static final int BIND_ATTEMPTS = 5;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String CLIENT_LISTENER = "PLAINTEXT";
    private static final String SECURE_CLIENT_LISTENER = "CLIENT";
    private static final String INTERNAL_LISTENER = "INTERNAL";

    private KafkaRaftServer server;
    private final Path logDir;
    private final int port;
    private final int internalPort;
    private final SecurityMaterial security;
    private final Properties properties;
    private boolean running = true;
    private boolean closed;

    private EmbeddedKafkaBroker(
            KafkaRaftServer server,
            Path logDir,
            int port,
            int internalPort,
            SecurityMaterial security,
            Properties properties) {
        this.server = server;
        this.logDir = logDir;
        this.port = port;
        this.internalPort = internalPort;
        this.security = security;
        this.properties = properties;
    }

    /**
     * Formats (if needed) and starts a broker storing its logs under {@code dataDir}.
     *
     * @param dataDir         directory of the broker's logs (created if missing)
     * @param port            client port, or 0 for a free port (then a bind failure is retried on other ports)
     * @param brokerOverrides properties that replace the defaults
     */
    public static EmbeddedKafkaBroker start(Path dataDir, int port, Map<String, String> brokerOverrides) {
        return start(dataDir, port, brokerOverrides, null);
    }

    /**
     * As {@link #start(Path, int, Map)}; with {@code security} (null: none) the client listener requires SASL_SSL.
     * The SCRAM users are not made here: see {@code LocalStack}, which creates them over the internal listener.
     */
    public static EmbeddedKafkaBroker start(
            Path dataDir, int port, Map<String, String> brokerOverrides, SecurityMaterial security) {
        Path logDir = dataDir.toAbsolutePath();
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new LocalStackException("cannot create the Kafka data directory " + logDir, e);
        }
        RuntimeException last = null;
        int attempts = port == 0 ? BIND_ATTEMPTS : 1;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            int clientPort = port == 0 ? FreePorts.find() : port;
            int controllerPort = FreePorts.find();
            int internalPort = security == null ? 0 : FreePorts.find();
            try {
                return startOnce(logDir, clientPort, controllerPort, internalPort, brokerOverrides, security);
            } catch (RuntimeException e) {
                last = e;
                if (!FreePorts.isBindFailure(e)) {
                    throw e;
                }
                LOG.warn(
                        "Kafka could not bind to port {} or {} (attempt {} of {}), retrying",
                        clientPort,
                        controllerPort,
                        attempt,
                        attempts);
            }
        }
        throw new LocalStackException(
                "Kafka could not bind to a port after " + attempts + " attempts"
                        + (port == 0 ? "" : "; is port " + port + " already in use?"),
                last);
    }

    private static EmbeddedKafkaBroker startOnce(
            Path logDir,
            int clientPort,
            int controllerPort,
            int internalPort,
            Map<String, String> overrides,
            SecurityMaterial security) {
        Properties props = new Properties();
        props.putAll(defaultProperties(logDir, clientPort, controllerPort));
        if (security != null) {
            props.putAll(secureListeners(clientPort, controllerPort, internalPort, security));
        }
        props.putAll(overrides);
        KafkaConfig config = KafkaConfig.fromProps(props, false);
        format(logDir);
        KafkaExitGuard.install();
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            server.startup();
            EmbeddedKafkaBroker broker =
                    new EmbeddedKafkaBroker(server, logDir, clientPort, internalPort, security, props);
            broker.awaitReady(Duration.ofSeconds(30));
            return broker;
        } catch (RuntimeException e) {
            stopQuietly(server);
            throw e;
        }
    }

    private static Map<String, String> defaultProperties(Path logDir, int clientPort, int controllerPort) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        p.put(
                "listeners",
                CLIENT_LISTENER + "://127.0.0.1:" + clientPort + "," + CONTROLLER_LISTENER + "://127.0.0.1:"
                        + controllerPort);
        p.put("advertised.listeners", CLIENT_LISTENER + "://127.0.0.1:" + clientPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", CLIENT_LISTENER);
        p.put("listener.security.protocol.map", CLIENT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        // a single node: every internal topic has one replica, so transactions and groups work
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        // few partitions for internal topics: faster start and first group join on a laptop
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.num.partitions", "5");
        // no reason to wait for more members on a development broker
        p.put("group.initial.rebalance.delay.ms", "0");
        // modest thread pools: this broker shares the JVM with the application under test
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        return p;
    }

    private static Map<String, String> secureListeners(
            int clientPort, int controllerPort, int internalPort, SecurityMaterial security) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(
                "listeners",
                SECURE_CLIENT_LISTENER + "://127.0.0.1:" + clientPort + "," + INTERNAL_LISTENER + "://127.0.0.1:"
                        + internalPort + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        p.put(
                "advertised.listeners",
                SECURE_CLIENT_LISTENER + "://127.0.0.1:" + clientPort + "," + INTERNAL_LISTENER + "://127.0.0.1:"
                        + internalPort);
        p.put("inter.broker.listener.name", INTERNAL_LISTENER);
        p.put(
                "listener.security.protocol.map",
                SECURE_CLIENT_LISTENER + ":SASL_SSL," + INTERNAL_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER
                        + ":PLAINTEXT");
        p.putAll(security.brokerListenerProperties(SECURE_CLIENT_LISTENER));
        return p;
    }

    private static void format(Path logDir) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return; // formatted by an earlier run: keep its cluster id and data
        }
        try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(quiet)
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setDirectories(List.of(logDir.toString()))
                    .setMetadataLogDirectory(logDir.toString())
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .run();
        } catch (Exception e) {
            throw new LocalStackException("cannot format the Kafka storage in " + logDir, e);
        }
    }

    private void awaitReady(Duration timeout) {
        Map<String, Object> adminConfig = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                internalBootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                (int) timeout.toMillis());
        try (Admin admin = Admin.create(adminConfig)) {
            int nodes = admin.describeCluster()
                    .nodes()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .size();
            if (nodes < 1) {
                throw new LocalStackException("the Kafka broker reports no nodes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalStackException("interrupted while waiting for the Kafka broker", e);
        } catch (Exception e) {
            throw new LocalStackException("the Kafka broker did not become ready within " + timeout, e);
        }
    }

    /** The {@code bootstrap.servers} value of this broker. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /**
     * The {@code bootstrap.servers} of the unauthenticated listener on 127.0.0.1 that the stack itself uses: the
     * internal listener of a secure broker, else the client listener.
     */
    public String internalBootstrapServers() {
        return "127.0.0.1:" + (security == null ? port : internalPort);
    }

    /** True when the client listener requires SASL_SSL. */
    public boolean secure() {
        return security != null;
    }

    /** The client port. */
    public int port() {
        return port;
    }

    /** The directory that holds the broker's logs and metadata. */
    public Path logDir() {
        return logDir;
    }

    /**
     * Stops the broker as a crash or an operator would, keeping its data directory, so that {@link #restart()} can
     * start it again; clients see their connections refused meanwhile. Does nothing if it is already stopped.
     */
    public synchronized void stop() {
        if (closed || !running) {
            return;
        }
        running = false;
        stopQuietly(server);
        LOG.info("Kafka broker on {} stopped (data kept for a restart)", bootstrapServers());
    }

    /**
     * Starts the broker again on the same data directory, client port and controller port, with the same
     * settings (stopping it first if it runs), and waits until it answers.
     */
    public synchronized void restart() {
        if (closed) {
            throw new IllegalStateException("the Kafka broker on " + bootstrapServers() + " is closed");
        }
        stop();
        KafkaRaftServer restarted = new KafkaRaftServer(KafkaConfig.fromProps(properties, false), Time.SYSTEM);
        try {
            restarted.startup();
            server = restarted;
            running = true;
            awaitReady(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            stopQuietly(restarted);
            running = false;
            throw new LocalStackException("the Kafka broker did not restart on " + bootstrapServers(), e);
        }
        LOG.info("Kafka broker restarted on {}", bootstrapServers());
    }

    /** Whether the broker runs (false between {@link #stop()} and {@link #restart()}, and after close). */
    public synchronized boolean isRunning() {
        return running && !closed;
    }

    /** Stops the broker and waits until its threads have ended. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!running) {
            return;
        }
        running = false;
        long start = System.nanoTime();
        stopQuietly(server);
        LOG.info(
                "Kafka broker on {} stopped in {} ms",
                bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    private static void stopQuietly(KafkaRaftServer server) {
        KafkaExitGuard.whileStopping(() -> {
            try {
                server.shutdown();
                server.awaitShutdown();
            } catch (RuntimeException e) {
                LOG.warn("error while stopping the Kafka broker", e);
            }
        });
    }
}
