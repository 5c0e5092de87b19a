package io.otnn.streams.startup;

import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClientConfig;
import io.otnn.schemas.registry.SchemaRegistryException;
import io.otnn.schemas.registry.SchemaRegistryUnavailableException;
import io.otnn.streams.ExplainerConfig;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits at start-up until the Kafka cluster and the schema registry answer, before anything else is done.
 *
 * <p>While one does not answer it logs why (unknown host, connection refused, no Kafka answer on an open port)
 * at the first failed attempt and then every {@code startup.warning.interval.ms}; it gives up with a
 * {@link StartupException} after {@code startup.timeout.ms}. A refusal that waiting cannot mend (authentication or
 * authorisation, TLS, a registry URL that is not a registry) ends the wait at once.
 */
public final class StartupCheck {

    private static final Logger LOG = LoggerFactory.getLogger(StartupCheck.class);
    private static final Duration ATTEMPT_PAUSE = Duration.ofSeconds(1);
    private static final Duration MIN_ATTEMPT = Duration.ofMillis(200);
    private static final int PROBE_TIMEOUT_MS = 3_000;

    private final Duration timeout;
    private final Duration warningInterval;

    public StartupCheck(Duration timeout, Duration warningInterval) {
        this.timeout = timeout;
        this.warningInterval = warningInterval;
    }

    public static StartupCheck from(ExplainerConfig config) {
        return new StartupCheck(
                Duration.ofMillis(config.getLong(ExplainerConfig.STARTUP_TIMEOUT_MS_CONFIG)),
                Duration.ofMillis(config.getLong(ExplainerConfig.STARTUP_WARNING_INTERVAL_MS_CONFIG)));
    }

    /**
     * Waits for the brokers of {@code bootstrap.servers}, for the images topic when {@code topics.create=false}, then
     * for the registry if one is configured.
     *
     * @return the id of the Kafka cluster that answered (null from a broker too old to name its cluster)
     */
    public String awaitDependencies(ExplainerConfig config) {
        String clusterId;
        try (KafkaProbe kafka = new KafkaProbe(config.clientProperties())) {
            awaitBroker(config.getList(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG), kafka);
            clusterId = kafka.clusterId();
            if (!config.getBoolean(ExplainerConfig.TOPICS_CREATE_CONFIG)) {
                String topic = config.getString(ExplainerConfig.TOPIC_IMAGES_CONFIG);
                await("the topic " + topic, remainingMillis -> kafka.topicAttempt(topic, remainingMillis));
            }
        }
        String url = config.getString(ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG);
        if (!url.isBlank()) {
            awaitRegistry(config.originals());
        }
        return clusterId;
    }

    /** Waits until one of the bootstrap servers accepts a connection and answers a Kafka request. */
    public void awaitBroker(List<String> bootstrapServers, Map<String, Object> clientProperties) {
        try (KafkaProbe kafka = new KafkaProbe(clientProperties)) {
            awaitBroker(bootstrapServers, kafka);
        }
    }

    private void awaitBroker(List<String> bootstrapServers, KafkaProbe kafka) {
        await("the Kafka cluster at " + String.join(",", bootstrapServers), remainingMillis -> {
            Problem unreachable = tcpProbe(bootstrapServers);
            return unreachable != null ? unreachable : kafka.clusterAttempt(remainingMillis);
        });
    }

    /** Waits until the schema registry of the (serde) configuration answers {@code GET /subjects}. */
    public void awaitRegistry(Map<String, ?> registryProperties) {
        Map<String, Object> once = new HashMap<>(registryProperties);
        once.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 0);
        once.putIfAbsent(SchemaRegistryClientConfig.CONNECT_TIMEOUT_MS_CONFIG, PROBE_TIMEOUT_MS);
        SchemaRegistryClientConfig config = SchemaRegistryClientConfig.from(once);
        String what = "the schema registry at " + String.join(",", config.urls());
        SchemaRegistryClient client = new RestSchemaRegistryClient(config);
        try {
            await(what, remainingMillis -> registryProbe(client, config.urls()));
        } finally {
            client.close();
        }
    }

    private interface Probe {
        /** Null when the dependency answered; may take up to {@code remainingMillis}. */
        Problem attempt(long remainingMillis);
    }

    private void await(String what, Probe probe) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextWarning = start;
        boolean warned = false;
        while (true) {
            Problem problem = probe.attempt(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            long now = System.nanoTime();
            if (problem == null) {
                if (warned) {
                    LOG.info("Done waiting for {} after {} s", what, seconds(now - start));
                }
                return;
            }
            if (problem.fatal()) {
                throw new StartupException(what + " refused us: " + problem.reason());
            }
            if (now - deadline >= 0) {
                throw gaveUp(what, start, problem);
            }
            if (now - nextWarning >= 0) {
                if (warned) {
                    LOG.warn(
                            "Still waiting for {}: {} ({} s of {} s)",
                            what,
                            problem.reason(),
                            seconds(now - start),
                            timeout.toSeconds());
                } else {
                    LOG.warn(
                            "Waiting for {}: {}; retrying for up to {} s ({})",
                            what,
                            problem.reason(),
                            timeout.toSeconds(),
                            ExplainerConfig.STARTUP_TIMEOUT_MS_CONFIG);
                }
                warned = true;
                nextWarning = now + warningInterval.toNanos();
            }
            pause(Math.min(ATTEMPT_PAUSE.toNanos(), deadline - now));
            if (deadline - System.nanoTime() < MIN_ATTEMPT.toNanos()) {
                // no time left for a real attempt: one cut short would hide the reason behind a timeout
                throw gaveUp(what, start, problem);
            }
        }
    }

    private StartupException gaveUp(String what, long start, Problem problem) {
        return new StartupException("gave up waiting for " + what + " after " + seconds(System.nanoTime() - start)
                + " s (" + ExplainerConfig.STARTUP_TIMEOUT_MS_CONFIG + "=" + timeout.toMillis() + "): "
                + problem.reason());
    }

    /** Null when one bootstrap server accepts a TCP connection; else the reason of each. */
    private static Problem tcpProbe(List<String> bootstrapServers) {
        List<String> reasons = new ArrayList<>();
        for (String server : bootstrapServers) {
            String host = Utils.getHost(server);
            Integer port = Utils.getPort(server);
            if (host == null || port == null) {
                return Problem.fatal(
                        "'" + server + "' in " + ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG + " is not host:port");
            }
            InetAddress[] addresses;
            try {
                addresses = InetAddress.getAllByName(host);
            } catch (UnknownHostException e) {
                reasons.add("unknown host " + host);
                continue;
            }
            for (InetAddress address : addresses) {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(address, port), PROBE_TIMEOUT_MS);
                    return null;
                } catch (ConnectException e) {
                    reasons.add("connection refused by " + address.getHostAddress() + ":" + port);
                } catch (SocketTimeoutException e) {
                    reasons.add("no answer from " + address.getHostAddress() + ":" + port + " within "
                            + PROBE_TIMEOUT_MS + " ms");
                } catch (IOException e) {
                    reasons.add(address.getHostAddress() + ":" + port + ": " + Reasons.oneLine(e.getMessage()));
                }
            }
        }
        return Problem.retry(String.join("; ", reasons));
    }

    /**
     * Kafka requests (describe cluster, list topics) each kept outstanding across attempts: the admin client retries
     * them on its own, so a slow first answer (a cold JVM, a loaded machine) is not mistaken for no answer.
     */
    private static final class KafkaProbe implements AutoCloseable {
        private static final String NO_ANSWER = "the port accepts connections but no Kafka answer came (is it a "
                + "Kafka listener? does security.protocol match it?)";
        private final Map<String, Object> clientProperties;
        private Admin admin;
        private KafkaFuture<String> clusterId;
        private String answeredClusterId;
        private KafkaFuture<Set<String>> topicNames;

        KafkaProbe(Map<String, Object> clientProperties) {
            this.clientProperties = clientProperties;
        }

        private Admin admin() {
            if (admin == null) {
                admin = Admin.create(clientProperties);
            }
            return admin;
        }

        Problem clusterAttempt(long remainingMillis) {
            if (clusterId == null) {
                clusterId = admin().describeCluster().clusterId();
            }
            try {
                answeredClusterId = clusterId.get(Math.min(PROBE_TIMEOUT_MS, remainingMillis), TimeUnit.MILLISECONDS);
                return null;
            } catch (java.util.concurrent.TimeoutException e) {
                return Problem.retry(NO_ANSWER);
            } catch (ExecutionException e) {
                clusterId = null;
                return failed(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartupException("interrupted while waiting for the Kafka cluster");
            }
        }

        /** The cluster id of the last successful {@link #clusterAttempt}; null from a broker that names none. */
        String clusterId() {
            return answeredClusterId;
        }

        Problem topicAttempt(String topic, long remainingMillis) {
            if (topicNames == null) {
                topicNames = admin().listTopics().names();
            }
            try {
                Set<String> names = topicNames.get(Math.min(PROBE_TIMEOUT_MS, remainingMillis), TimeUnit.MILLISECONDS);
                topicNames = null; // ask again next time
                return names.contains(topic)
                        ? null
                        : Problem.retry("it does not exist and " + ExplainerConfig.TOPICS_CREATE_CONFIG + "=false");
            } catch (java.util.concurrent.TimeoutException e) {
                return Problem.retry("the cluster has not listed its topics yet");
            } catch (ExecutionException e) {
                topicNames = null;
                return failed(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartupException("interrupted while waiting for the topic " + topic);
            }
        }

        private static Problem failed(Throwable cause) {
            if (cause instanceof AuthenticationException || cause instanceof AuthorizationException) {
                return Problem.fatal(cause.getClass().getSimpleName() + ": " + Reasons.oneLine(cause.getMessage()));
            }
            if (cause instanceof TimeoutException) {
                return Problem.retry(NO_ANSWER);
            }
            return Problem.retry(Reasons.oneLine(String.valueOf(cause)));
        }

        @Override
        public void close() {
            if (admin != null) {
                admin.close(Duration.ofSeconds(1));
            }
        }
    }

    private static Problem registryProbe(SchemaRegistryClient client, List<String> urls) {
        String host = URI.create(urls.get(0)).getHost();
        try {
            client.getAllSubjects();
            return null;
        } catch (SchemaRegistryUnavailableException e) {
            return e.getCause() != null
                    ? Reasons.of(e.getCause(), host)
                    : Problem.retry(Reasons.oneLine(e.getMessage()));
        } catch (SchemaRegistryException e) {
            if (e.status() == 401 || e.status() == 403) {
                return Problem.fatal("HTTP " + e.status()
                        + (e.status() == 401 ? ", the credentials were refused" : ", access denied")
                        + " (basic.auth.user.info)");
            }
            return Problem.fatal("HTTP " + e.status() + " for GET /subjects: is schema.registry.url the root of a "
                    + "Confluent-compatible API? " + Reasons.oneLine(e.getMessage()));
        }
    }

    private static long seconds(long nanos) {
        return Math.round(nanos / 1e9);
    }

    private static void pause(long nanos) {
        if (nanos <= 0) {
            return;
        }
        try {
            Thread.sleep(Duration.ofNanos(nanos).toMillis(), 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while waiting for the explainer's dependencies");
        }
    }
}
