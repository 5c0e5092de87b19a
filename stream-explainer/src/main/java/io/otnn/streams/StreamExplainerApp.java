package io.otnn.streams;

import io.otnn.schemas.auth.CredentialFailures;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.streams.batching.commit.ImageBuffer;
import io.otnn.streams.drift.DriftReferences;
import io.otnn.streams.errors.OutputGuard;
import io.otnn.streams.explaining.ExplanationEngine;
import io.otnn.streams.explaining.OtnnEngine;
import io.otnn.streams.explaining.ServedModel;
import io.otnn.streams.explaining.TensorFlowThreads;
import io.otnn.streams.format.AvroRecordFormat;
import io.otnn.streams.format.JsonRecordFormat;
import io.otnn.streams.format.RecordFormat;
import io.otnn.streams.metrics.MetricWindowsProcessor;
import io.otnn.streams.models.FollowSpec;
import io.otnn.streams.models.ModelFollower;
import io.otnn.streams.monitoring.Monitoring;
import io.otnn.streams.shadow.ShadowCounters;
import io.otnn.streams.shadow.ShadowModel;
import io.otnn.streams.shadow.ShadowTopics;
import io.otnn.streams.startup.LocalStateCheck;
import io.otnn.streams.startup.StartupCheck;
import io.otnn.streams.startup.StartupException;
import io.otnn.streams.topology.ExplainerTopology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream explainer as a Java object, for the CLI, the demo and the tests.
 *
 * <pre>{@code
 * try (StreamExplainerApp app = StreamExplainerApp.builder()
 *         .setConfig(ExplainerConfig.load(file, System.getenv(), Map.of()))
 *         .build().start()) {
 *     app.awaitRunning(Duration.ofSeconds(60));
 *     ...
 * }
 * }</pre>
 */
public final class StreamExplainerApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamExplainerApp.class);

    private final ExplainerConfig config;
    private final ExplanationEngine engine;
    private final boolean ownsEngine;
    /** follows model.name on the models topic and swaps the slot's engine; null for a fixed model */
    private final ModelFollower follower;

    private final ServedModel served;
    private final Topics topics;
    private final KafkaStreams streams;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final AutoCloseable formatResources;
    private final OutputGuard guard;
    private final MetricWindowsProcessor.LateCounter lateMetrics = new MetricWindowsProcessor.LateCounter();
    private final Monitoring monitoring;
    private final boolean ownsMonitoring;
    /** the shadow model, its topics and the engine this app loaded for it; all {@code null} without a shadow */
    private final ShadowModel shadow;

    private final ShadowTopics shadowTopics;
    private final ExplanationEngine ownedShadowEngine;
    /** follows model.shadow.name and swaps the shadow slot's engine; null for a fixed shadow or none */
    private final ModelFollower shadowFollower;

    private StreamExplainerApp(
            ExplainerConfig config,
            ExplanationEngine engine,
            boolean ownsEngine,
            ModelFollower follower,
            Topics topics,
            AutoCloseable formatResources,
            Monitoring monitoring,
            boolean ownsMonitoring,
            ShadowModel shadow,
            ShadowTopics shadowTopics,
            ExplanationEngine ownedShadowEngine,
            ModelFollower shadowFollower) {
        this.shadow = shadow;
        this.shadowFollower = shadowFollower;
        this.shadowTopics = shadowTopics;
        this.ownedShadowEngine = ownedShadowEngine;
        this.config = config;
        this.monitoring = monitoring;
        this.ownsMonitoring = ownsMonitoring;
        this.formatResources = formatResources;
        this.engine = engine;
        this.ownsEngine = ownsEngine;
        this.follower = follower;
        this.topics = topics;
        this.guard = OutputGuard.of(config, topics);
        DriftReferences driftReferences = new DriftReferences();
        if (follower != null) {
            this.served = follower.slot();
            driftReferences = follower.driftReferences();
        } else {
            this.served = ServedModel.fixed(engine);
            driftReferences.learn(engine.model().name() + "@" + engine.model().version(), engine.driftReference());
            monitoring
                    .meters()
                    .modelServing(
                            "PRIMARY", engine.model().name(), engine.model().version());
        }
        Topology topology = ExplainerTopology.build(
                config, served, driftReferences, topics, guard, lateMetrics, shadow, shadowTopics);
        LOG.debug("Topology:\n{}", topology.describe());
        Properties properties = config.streamsProperties();
        guard.register(properties);
        monitoring.meters().register(properties);
        this.streams = new KafkaStreams(topology, properties);
        monitoring.watch(streams);
        // a failed stream thread is replaced rather than stopping the instance; its tasks restart from the last
        // committed transaction, pending images included. A refused credential is the exception: a new thread
        // would be refused too, in a loop, so the instance stops with one line that names the cause.
        streams.setUncaughtExceptionHandler(e -> {
            Optional<String> refused = CredentialFailures.describe(e);
            if (refused.isPresent()) {
                if (failure.compareAndSet(null, refused.get())) {
                    LOG.error("Stopping the stream explainer: {}", refused.get());
                }
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
            LOG.error("Stream thread failed, replacing it", e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                stopped.countDown();
            }
        });
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Waits for the Kafka cluster and the registry ({@link StartupCheck}: at most {@code startup.timeout.ms}, then
     * a {@link StartupException}), creates missing topics (unless {@code topics.create=false}) and starts Kafka
     * Streams.
     */
    public StreamExplainerApp start() {
        String clusterId = StartupCheck.from(config).awaitDependencies(config);
        if (config.getBoolean(ExplainerConfig.TOPICS_CREATE_CONFIG)) {
            List<NewTopic> plan = new ArrayList<>(TopicCreator.plan(config, topics));
            if (shadowTopics != null) {
                plan.addAll(shadowTopics.plan(config));
            }
            TopicCreator.createMissing(config.clientProperties(), plan);
        }
        guard.readTopicLimits(config.clientProperties());
        if (follower != null) {
            follower.start();
            // the newest accepted version serves before the first batch: a restarted instance never starts on an
            // older one than the topic names (unless that one is refused)
            long timeoutMs = config.getLong(ExplainerConfig.STARTUP_TIMEOUT_MS_CONFIG);
            boolean serving;
            try {
                serving = follower.awaitServing(Duration.ofMillis(timeoutMs));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartupException("interrupted while waiting for a checkpoint of " + follower.spec());
            }
            if (!serving) {
                throw new StartupException("gave up waiting for a checkpoint of model "
                        + follower.spec().name()
                        + " on " + topics.models().name() + " after " + timeoutMs / 1000 + " s ("
                        + ExplainerConfig.STARTUP_TIMEOUT_MS_CONFIG + "=" + timeoutMs + "): "
                        + follower.lastRefusal().orElse("none announced and accepted"));
            }
            monitoring.modelLoaded();
        }
        if (shadowFollower != null) {
            shadowFollower.start();
            // the shadow is optional: without an accepted checkpoint yet, the stream starts and compares once one
            // serves
            try {
                if (!shadowFollower.awaitServing(
                        Duration.ofMillis(config.getLong(ExplainerConfig.STARTUP_TIMEOUT_MS_CONFIG)))) {
                    LOG.warn(
                            "No checkpoint of the shadow model {} serves yet ({}); images go uncompared until one does",
                            shadowFollower.spec().name(),
                            shadowFollower.lastRefusal().orElse("none announced and accepted"));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartupException("interrupted while waiting for a checkpoint of " + shadowFollower.spec());
            }
        }
        ExplanationEngine starting = served.current().engine();
        LOG.info(
                "Starting the stream explainer: model {} v{}{}, images from {}, batches of at most {} within {} ms, "
                        + "waiting images {}",
                starting.model().name(),
                starting.model().version(),
                follower == null
                        ? ""
                        : " (following " + follower.spec() + " on "
                                + topics.models().name() + ")",
                topics.images().name(),
                config.batchMaxSize(),
                config.batchMaxWaitMs(),
                config.batchingBuffer());
        if (shadow != null && shadow.served().serving()) {
            ExplanationEngine shadowEngine = shadow.served().current().engine();
            LOG.info(
                    "Shadow model {} v{}: its explanations to {}, comparison windows to {}",
                    shadowEngine.model().name(),
                    shadowEngine.model().version(),
                    shadowTopics.explanations().name(),
                    shadowTopics.comparisons().name());
        } else if (shadow != null) {
            // a followed shadow before its first accepted checkpoint
            LOG.info(
                    "Shadow model: {}, none serves yet; its explanations to {}, comparison windows to {}",
                    shadowFollower == null ? "given" : "following " + shadowFollower.spec(),
                    shadowTopics.explanations().name(),
                    shadowTopics.comparisons().name());
        }
        LocalStateCheck.ensureStateOf(
                clusterId,
                config.stateDir(),
                config.getString(ExplainerConfig.APPLICATION_ID_CONFIG),
                streams::cleanUp);
        streams.start();
        return this;
    }

    /** Waits until Kafka Streams is RUNNING; false on timeout or when it stopped. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            KafkaStreams.State state = streams.state();
            if (state == KafkaStreams.State.RUNNING) {
                return true;
            }
            if (!state.isRunningOrRebalancing() && state != KafkaStreams.State.CREATED) {
                return false;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /** Blocks until {@link #close()} has finished (for a main thread with a shutdown hook). */
    public void awaitClose() throws InterruptedException {
        closed.await();
    }

    /**
     * Blocks until the app is closed or Kafka Streams stopped by itself (a refused credential); returns the reason
     * in the second case ({@link #failure()}). The caller then closes the app.
     */
    public Optional<String> awaitStop() throws InterruptedException {
        stopped.await();
        return failure();
    }

    /** Why Kafka Streams stopped by itself: a refused credential (Kafka or the registry), in one line; else empty. */
    public Optional<String> failure() {
        return Optional.ofNullable(failure.get());
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** The checks of every output, and the refusals waiting to become dead letters. */
    public OutputGuard outputGuard() {
        return guard;
    }

    /** Metric figures that arrived after their window was published. */
    public MetricWindowsProcessor.LateCounter lateMetrics() {
        return lateMetrics;
    }

    public Topics topics() {
        return topics;
    }

    /** The shadow's output topics, or empty without a shadow model. */
    public Optional<ShadowTopics> shadowTopics() {
        return Optional.ofNullable(shadowTopics);
    }

    /** What the shadow model did (explained, failed, dropped), or empty without one. */
    public Optional<ShadowCounters> shadowCounters() {
        return Optional.ofNullable(shadow).map(ShadowModel::counters);
    }

    /** The model slot the stream asks before each batch: fixed, or swapped live by {@link #modelFollower()}. */
    public ServedModel servedModel() {
        return served;
    }

    /** The follower of {@code model.name} (or of the given model's name), when the app follows one. */
    public Optional<ModelFollower> modelFollower() {
        return Optional.ofNullable(follower);
    }

    /** The follower of {@code model.shadow.name}, when the shadow follows one. */
    public Optional<ModelFollower> shadowFollower() {
        return Optional.ofNullable(shadowFollower);
    }

    public ExplainerConfig config() {
        return config;
    }

    /** The /health and /metrics endpoints ({@code http.port}); {@link Monitoring#off()} without one. */
    public Monitoring monitoring() {
        return monitoring;
    }

    /** Stops Kafka Streams (committing the open transaction) and releases the model if this app loaded it. */
    @Override
    public void close() {
        if (closed.getCount() == 0) {
            return;
        }
        monitoring.stopping();
        try {
            // leave the group at once: the remaining instances take over this one's partitions without waiting
            // for the session timeout (a scale-down or a SIGTERM is not a crash)
            streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                    .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            if (follower != null) {
                // after Kafka Streams: no task uses an engine any more
                follower.close();
            } else if (ownsEngine) {
                engine.close();
            }
            if (ownedShadowEngine != null) {
                ownedShadowEngine.close();
            }
            if (shadowFollower != null) {
                shadowFollower.close();
            }
            if (formatResources != null) {
                formatResources.close();
            }
        } catch (Exception e) {
            LOG.warn("Error while closing the schema registry client", e);
        } finally {
            monitoring.unwatch();
            if (ownsMonitoring) {
                monitoring.close();
            }
            stopped.countDown();
            closed.countDown();
        }
    }

    /** {@code setX} for required values, {@code optX} for optional ones; validated in {@link #build()}. */
    public static final class Builder {
        private ExplainerConfig config;
        private ExplanationEngine engine;
        private RecordFormat format;
        private Monitoring monitoring;
        private ServedModel shadow;

        public Builder setConfig(ExplainerConfig config) {
            this.config = config;
            return this;
        }

        /** Builds the configuration from properties (our keys and any Kafka property). */
        public Builder setProperties(Map<String, ?> properties) {
            this.config = new ExplainerConfig(new HashMap<>(properties));
            return this;
        }

        /** An already loaded engine (shared by the caller, who closes it); default: load {@code model}. */
        public Builder optEngine(ExplanationEngine engine) {
            this.engine = engine;
            return this;
        }

        /** The wire format; default: from {@code format}. */
        public Builder optFormat(RecordFormat format) {
            this.format = format;
            return this;
        }

        /**
         * The /health and /metrics endpoints, started and closed by the caller (who may start them before the
         * model loads); default: started here from {@code http.port} before the model loads, closed with the app.
         */
        public Builder optMonitoring(Monitoring monitoring) {
            this.monitoring = monitoring;
            return this;
        }

        /**
         * A shadow model (its slot, whose engine may change; the caller closes its engines); default: load
         * {@code model.shadow} when set, else no shadow.
         */
        public Builder optShadow(ServedModel shadow) {
            this.shadow = shadow;
            return this;
        }

        public StreamExplainerApp build() {
            Objects.requireNonNull(config, "setConfig or setProperties is required");
            // before the model is loaded: batching.buffer=in-memory on a Kafka Streams without its internals
            ImageBuffer.requireSupported(config.batchingBuffer());
            SchemaRegistryClient registry = null;
            RecordFormat recordFormat = format;
            if (recordFormat == null) {
                String name = config.getString(ExplainerConfig.FORMAT_CONFIG);
                if (name.equals("json")) {
                    recordFormat = new JsonRecordFormat();
                } else {
                    String url = config.getString(ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG);
                    if (url.isBlank()) {
                        throw new IllegalArgumentException("format=avro needs a schema registry: set '"
                                + ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG + "' (--schema-registry)");
                    }
                    registry = RestSchemaRegistryClient.fromConfig(config.originals());
                    recordFormat = new AvroRecordFormat(registry);
                }
            }
            boolean owns = engine == null;
            boolean ownsMonitoring = monitoring == null;
            // before any model is loaded (this one, a shadow, a followed version): DJL reads them at each load
            TensorFlowThreads.apply(config);
            Monitoring endpoints = null;
            ExplanationEngine chosen = engine;
            ExplanationEngine loadedShadow = null;
            ModelFollower follower = null;
            ModelFollower shadowFollower = null;
            try {
                endpoints = ownsMonitoring ? Monitoring.start(config) : monitoring;
                String modelName = config.getString(ExplainerConfig.MODEL_NAME_CONFIG);
                if (chosen == null) {
                    String model = config.getString(ExplainerConfig.MODEL_CONFIG);
                    if (model.isBlank() && modelName.isBlank()) {
                        throw new IllegalArgumentException("no model: set '" + ExplainerConfig.MODEL_CONFIG
                                + "' (--model) to an OTNN checkpoint directory or archive, or '"
                                + ExplainerConfig.MODEL_NAME_CONFIG + "' (--model-name) to follow a model name on "
                                + ExplainerConfig.TOPIC_MODELS_CONFIG);
                    }
                    if (!model.isBlank()) {
                        chosen = OtnnEngine.load(Path.of(model));
                    }
                }
                Optional<FollowSpec> follow = ModelFollower.primarySpec(config, chosen == null ? null : chosen.model());
                if (follow.isPresent() && registry == null) {
                    if (!modelName.isBlank()) {
                        throw new IllegalArgumentException("'" + ExplainerConfig.MODEL_NAME_CONFIG
                                + "' reads the models topic in Avro: it needs format=avro and a schema registry");
                    }
                    LOG.info(
                            "format={}: the model is served as given, without following {}",
                            config.getString(ExplainerConfig.FORMAT_CONFIG),
                            ExplainerConfig.TOPIC_MODELS_CONFIG);
                    follow = Optional.empty();
                }
                if (follow.isPresent()) {
                    follower = ModelFollower.create(
                            config, follow.get(), chosen, owns, new DriftReferences(), endpoints.meters());
                }
                ServedModel primary = follower != null ? follower.slot() : ServedModel.fixed(chosen);
                ServedModel shadowSlot = shadow;
                String shadowPath = config.getString(ExplainerConfig.MODEL_SHADOW_CONFIG);
                if (shadowSlot == null && !shadowPath.isBlank()) {
                    loadedShadow = OtnnEngine.load(Path.of(shadowPath));
                }
                Optional<FollowSpec> shadowFollow = ModelFollower.shadowSpec(config);
                if (shadowSlot == null && shadowFollow.isPresent()) {
                    if (registry == null) {
                        throw new IllegalArgumentException("'" + ExplainerConfig.MODEL_SHADOW_NAME_CONFIG
                                + "' reads the models topic in Avro: it needs format=avro and a schema registry");
                    }
                    // each candidate of the shadow must take the images decoded for the primary
                    shadowFollower = ModelFollower.create(
                            config,
                            shadowFollow.get(),
                            loadedShadow,
                            true,
                            new DriftReferences(),
                            endpoints.meters(),
                            primary);
                    loadedShadow = null;
                    shadowSlot = shadowFollower.slot();
                } else if (shadowSlot == null && loadedShadow != null) {
                    shadowSlot = ServedModel.fixed(loadedShadow);
                }
                if (shadowSlot != null && chosen != null && shadowSlot.serving()) {
                    Optional<String> incompatible = ShadowModel.incompatibility(
                            chosen.model(), shadowSlot.current().engine().model());
                    if (incompatible.isPresent()) {
                        throw new IllegalArgumentException(
                                "cannot compare the shadow with the primary model: " + incompatible.get());
                    }
                }
                if (chosen != null) {
                    endpoints.modelLoaded();
                }
                return new StreamExplainerApp(
                        config,
                        chosen,
                        owns,
                        follower,
                        Topics.of(config, recordFormat),
                        registry,
                        endpoints,
                        ownsMonitoring,
                        shadowSlot == null ? null : new ShadowModel(shadowSlot),
                        shadowSlot == null ? null : ShadowTopics.of(config, recordFormat),
                        loadedShadow,
                        shadowFollower);
            } catch (RuntimeException e) {
                if (loadedShadow != null) {
                    loadedShadow.close();
                }
                if (shadowFollower != null) {
                    shadowFollower.close();
                }
                if (follower != null) {
                    follower.close();
                } else if (owns && chosen != null) {
                    chosen.close();
                }
                if (registry != null) {
                    registry.close();
                }
                if (ownsMonitoring && endpoints != null) {
                    endpoints.close();
                }
                throw e;
            }
        }
    }

    /** Closes the app when the JVM is asked to stop (SIGTERM, Ctrl-C). */
    public void closeOnShutdown() {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            LOG.info("Shutting down the stream explainer");
                            close();
                        },
                        "otnn-shutdown"));
    }

    /**
     * The explainer as {@code otnn explain} runs it, until SIGTERM or Ctrl-C: waits for the Kafka cluster and the
     * registry (a {@link StartupException} when they stay unreachable), then loads the model, starts and blocks.
     * Returns empty after a clean shutdown, or why Kafka Streams stopped by itself (a refused credential).
     */
    public static Optional<String> runUntilStopped(ExplainerConfig config) throws InterruptedException {
        return runUntilStopped(config, app -> {});
    }

    /** {@link #runUntilStopped(ExplainerConfig)}, calling {@code started} once the app has started. */
    public static Optional<String> runUntilStopped(ExplainerConfig config, Consumer<StreamExplainerApp> started)
            throws InterruptedException {
        StartupCheck.from(config).awaitDependencies(config);
        StreamExplainerApp app = builder().setConfig(config).build();
        app.closeOnShutdown();
        app.start();
        started.accept(app);
        Optional<String> failure = app.awaitStop();
        if (failure.isPresent()) {
            app.close();
            return failure;
        }
        app.awaitClose();
        return Optional.empty();
    }
}
