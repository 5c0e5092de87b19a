package io.otnn.training;

import io.otnn.trainer.Devices;
import io.otnn.trainer.announce.CheckpointAnnouncer;
import io.otnn.training.jobs.JobJournal;
import io.otnn.training.jobs.JobRecord;
import io.otnn.training.jobs.JobRunner;
import io.otnn.training.kafka.KafkaSettings;
import io.otnn.training.requests.TrainingRequests;
import io.otnn.training.status.StatusPublisher;
import io.otnn.training.store.AnnouncedVersions;
import io.otnn.training.store.ModelStore;
import io.otnn.training.store.ModelStoreServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer service: reads {@code TrainingRequest}s from Kafka, trains one job at a time (the rest queued), keeps a
 * crash-safe journal and a versioned model store, serves the store over HTTP and announces each new version on the
 * models topic.
 *
 * <pre>{@code
 * try (TrainerService service = TrainerService.builder()
 *         .kafka(bootstrap, registryUrl).store(Path.of("store")).httpPort(0).build().start()) {
 *     service.runUntilStopped();   // until requestStop() or an interrupt
 * }
 * }</pre>
 */
public final class TrainerService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TrainerService.class);

    public static final String DEFAULT_GROUP_ID = "otnn-trainer-service";

    private final Builder config;
    private final String instance;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private ModelStore store;
    private StatusPublisher status;
    private ModelStoreServer server;
    private RequestIntake intake;
    private JobRunner runner;
    private Thread intakeThread;
    private Thread worker;
    private volatile boolean closing;

    private TrainerService(Builder config) {
        this.config = config;
        this.instance = config.instanceId != null ? config.instanceId : defaultInstance();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Opens the store, creates the topics, serves HTTP (when asked), re-queues the journal's unfinished jobs, reads. */
    public TrainerService start() throws IOException, InterruptedException {
        KafkaSettings kafka = config.kafka();
        try {
            kafka.ensureTopic(config.requestsTopic, TrainingRequests.PARTITIONS, false);
            kafka.ensureTopic(config.statusTopic, StatusPublisher.PARTITIONS, false);
            kafka.ensureTopic(config.modelsTopic, 1, true);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(
                    "cannot create the topics on " + kafka.bootstrapServers() + ": "
                            + e.getCause().getMessage(),
                    e);
        } catch (TimeoutException e) {
            throw new IOException(
                    "no answer from the brokers " + kafka.bootstrapServers() + " within "
                            + KafkaSettings.TIMEOUT_SECONDS + " s (is Kafka running there?)",
                    e);
        }
        store = new ModelStore(config.store);
        JobJournal journal = new JobJournal(store.jobs());
        LOG.info("trainer service {} on {}: store {}", instance, Devices.describe(), store.root());
        status = new StatusPublisher(kafka, config.statusTopic, instance, Devices.kind());
        if (config.httpPort != null) server = ModelStoreServer.start(store, config.bind, config.httpPort);
        CheckpointAnnouncer announcer = new CheckpointAnnouncer(
                kafka.bootstrapServers(), kafka.schemaRegistryUrl(), config.modelsTopic, kafka.clientProperties());
        runner = new JobRunner(
                store,
                journal,
                status,
                announcer,
                this::announcedMax,
                served -> server != null
                        ? server.url(served.name(), served.version())
                        : served.archive().toUri().toString(),
                config.reserveBytes);
        BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        for (JobRecord job : journal.all()) {
            if (!job.state().terminal()) {
                LOG.info("{}: {} in the journal, queued again", job.requestId(), job.state());
                queue.put(job.requestId());
            } else if (!job.finalStatusSent()) {
                try {
                    status.ended(job);
                    journal.write(job.withFinalStatusSent());
                } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
                    LOG.warn("{}: could not publish its final status: {}", job.requestId(), e.getMessage());
                }
            }
        }
        intake = new RequestIntake(kafka, config.groupId, config.requestsTopic, journal, status, queue);
        intakeThread = new Thread(intake, "otnn-trainer-intake");
        intakeThread.start();
        worker = new Thread(() -> work(queue), "otnn-trainer-worker");
        worker.start();
        return this;
    }

    private void work(BlockingQueue<String> queue) {
        while (!closing) {
            try {
                String id = queue.poll(200, TimeUnit.MILLISECONDS);
                if (id != null && !closing) runner.run(id);
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.error("the job failed outside its own error handling: {}", e.toString(), e);
            }
        }
    }

    private int announcedMax(String name) {
        try {
            return AnnouncedVersions.read(config.kafka(), config.modelsTopic, Duration.ofSeconds(60))
                    .getOrDefault(name, 0);
        } catch (TimeoutException e) {
            throw new UncheckedIOException(new IOException(e.getMessage(), e));
        }
    }

    /** The HTTP server's base address, when serving. */
    public Optional<String> httpUrl() {
        return Optional.ofNullable(server).map(ModelStoreServer::baseUrl);
    }

    public ModelStore store() {
        return store;
    }

    public String instance() {
        return instance;
    }

    /** Asks {@link #runUntilStopped()} to return; returns at once. */
    public void requestStop() {
        stopRequested.countDown();
    }

    /** Blocks until {@link #requestStop()} (or an interrupt), then closes the service. */
    public void runUntilStopped() throws InterruptedException {
        try {
            stopRequested.await();
        } finally {
            close();
        }
    }

    /**
     * Stops reading, asks the running job to save its state (it stays RUNNING in the journal and resumes at the next
     * start), waits for it, stops serving.
     */
    @Override
    public void close() {
        if (closing) return;
        closing = true;
        if (intake != null) intake.close();
        if (runner != null) runner.requestStop();
        join(intakeThread);
        join(worker);
        if (status != null) status.close();
        if (server != null) server.close();
        LOG.info("trainer service {} stopped", instance);
    }

    private static void join(Thread t) {
        if (t == null) return;
        try {
            t.join(TimeUnit.MINUTES.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String defaultInstance() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
    }

    /** The service's settings: {@code kafka} and {@code store} are required. */
    public static final class Builder {
        private String bootstrapServers;
        private String schemaRegistryUrl;
        private final Map<String, Object> clientProperties = new HashMap<>();
        private Path store;
        private Integer httpPort;
        private String bind = ModelStoreServer.DEFAULT_BIND;
        private String groupId = DEFAULT_GROUP_ID;
        private String requestsTopic = TrainingRequests.TOPIC;
        private String statusTopic = StatusPublisher.TOPIC;
        private String modelsTopic = CheckpointAnnouncer.DEFAULT_TOPIC;
        private String instanceId;
        private long reserveBytes = JobRunner.DEFAULT_RESERVE_BYTES;

        public Builder kafka(String bootstrapServers, String schemaRegistryUrl) {
            this.bootstrapServers = bootstrapServers;
            this.schemaRegistryUrl = schemaRegistryUrl;
            return this;
        }

        /** More client settings for every Kafka and registry client (security, credentials from a file). */
        public Builder clientProperties(Map<String, ?> properties) {
            clientProperties.putAll(properties);
            return this;
        }

        public Builder store(Path store) {
            this.store = store;
            return this;
        }

        /** Serve the store over HTTP on this port (0: a free one); not served without. */
        public Builder httpPort(Integer port) {
            this.httpPort = port;
            return this;
        }

        public Builder bind(String bind) {
            this.bind = bind;
            return this;
        }

        public Builder groupId(String groupId) {
            this.groupId = groupId;
            return this;
        }

        public Builder topics(String requests, String status, String models) {
            this.requestsTopic = requests;
            this.statusTopic = status;
            this.modelsTopic = models;
            return this;
        }

        public Builder instanceId(String instanceId) {
            this.instanceId = instanceId;
            return this;
        }

        /** Usable space the export needs beyond the job's training state (default 64 MiB). */
        public Builder reserveBytes(long reserveBytes) {
            this.reserveBytes = reserveBytes;
            return this;
        }

        KafkaSettings kafka() {
            return new KafkaSettings(bootstrapServers, schemaRegistryUrl, clientProperties);
        }

        /** Checks the settings. */
        public TrainerService build() {
            kafka();
            if (store == null) throw new IllegalArgumentException("the store directory is required");
            if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
                throw new IllegalArgumentException("the HTTP port must be in [0, 65535], got " + httpPort);
            }
            if (bind == null || bind.isBlank()) throw new IllegalArgumentException("the bind address is required");
            if (groupId == null || groupId.isBlank()) throw new IllegalArgumentException("the group id is required");
            if (reserveBytes < 0) throw new IllegalArgumentException("reserveBytes must be >= 0");
            return new TrainerService(this);
        }
    }
}
