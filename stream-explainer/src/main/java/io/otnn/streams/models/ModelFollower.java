package io.otnn.streams.models;

import io.otnn.avro.ModelCheckpoint;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.serde.AvroDeserializer;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.drift.DriftReferences;
import io.otnn.streams.explaining.ExplanationEngine;
import io.otnn.streams.explaining.OtnnEngine;
import io.otnn.streams.monitoring.ExplainerMeters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one model name on the models topic and swaps a {@link ModelSlot}'s engine to its target: a background
 * thread with its own {@code read_committed} consumer that reads every partition from the beginning. Once the topic
 * is read to its end it tries the latest announcement (then, if that is refused, up to
 * {@link TargetChoice#MAX_FALLBACKS} versions announced before it), and afterwards each new one; each is fetched
 * ({@link CheckpointFetcher}), verified, self-tested and warmed up ({@link CheckpointVerifier}) on this thread, then
 * swapped in between batches. A refused checkpoint leaves the serving model in place: one log line, a meter, and a
 * REFUSED {@code ModelServingStatus}; an accepted one a SERVING status with its swap time.
 *
 * <pre>{@code
 * ModelFollower follower = ModelFollower.create(config, FollowSpec.shadow("fashion-otnn", null), null, false,
 *         driftReferences, meters);
 * follower.start();
 * follower.awaitServing(Duration.ofSeconds(60));   // true once a checkpoint serves
 * ServedModel shadow = follower.slot();             // hand it to the topology
 * ...
 * follower.close();                                 // after Kafka Streams: stops following, closes the engine
 * }</pre>
 */
public final class ModelFollower implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelFollower.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final FollowSpec spec;
    private final String topic;
    private final ModelSlot slot;
    private final DriftReferences drift;
    private final ExplainerMeters meters;
    private final SchemaRegistryClient registry;
    private final AvroDeserializer<ModelCheckpoint> deserializer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final ServingStatusPublisher publisher;
    private final CheckpointFetcher fetcher;
    private final CheckpointVerifier verifier;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final Thread thread;
    /** the slot whose input contract a candidate must share (the primary, for a shadow), or null: this slot's own */
    private final io.otnn.streams.explaining.ServedModel contractOf;

    private final List<Announcement> history = new ArrayList<>();
    private final Set<Long> refused = new HashSet<>();
    private volatile TargetChoice.Served served;
    private volatile String lastRefusal;
    private volatile boolean closed;

    private ModelFollower(
            ExplainerConfig config,
            FollowSpec spec,
            ExplanationEngine initial,
            boolean ownsInitial,
            DriftReferences drift,
            ExplainerMeters meters,
            io.otnn.streams.explaining.ServedModel contractOf) {
        this.spec = spec;
        this.contractOf = contractOf;
        this.topic = config.getString(ExplainerConfig.TOPIC_MODELS_CONFIG);
        this.slot = new ModelSlot(spec);
        this.drift = drift;
        this.meters = meters;
        if (initial != null) {
            ModelMetadata model = initial.model();
            drift.learn(model.name() + "@" + model.version(), initial.driftReference());
            slot.swap(initial, ownsInitial);
            String digest =
                    initial instanceof OtnnEngine otnn ? otnn.otnnModel().digest() : null;
            this.served = new TargetChoice.Served(model.version(), digest);
            meters.modelServing(spec.role().name(), model.name(), model.version());
        }
        String application = config.getString(ExplainerConfig.APPLICATION_ID_CONFIG);
        this.registry = RestSchemaRegistryClient.fromConfig(config.originals());
        this.deserializer = new AvroDeserializer<>(registry, ModelCheckpoint.class, ModelCheckpoint.getClassSchema());
        Map<String, Object> consumerProps = new HashMap<>(clientOnly(config.clientProperties()));
        consumerProps.keySet().retainAll(ConsumerConfig.configNames());
        consumerProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // with topics.create=false the explainer creates no topic, not even by asking for a missing one's metadata
        consumerProps.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, application + "-" + role() + "-model-follower");
        this.consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer());
        this.publisher = new ServingStatusPublisher(
                config.clientProperties(),
                registry,
                config.getString(ExplainerConfig.TOPIC_MODELS_STATUS_CONFIG),
                application,
                config.instanceId(),
                spec);
        this.fetcher = new CheckpointFetcher(
                new ModelCache(cacheDir(config), config.getLong(ExplainerConfig.MODEL_CACHE_MAX_BYTES_CONFIG)),
                Duration.ofMillis(config.getLong(ExplainerConfig.MODEL_FETCH_CONNECT_TIMEOUT_MS_CONFIG)),
                Duration.ofMillis(config.getLong(ExplainerConfig.MODEL_FETCH_TIMEOUT_MS_CONFIG)),
                config.getLong(ExplainerConfig.MODEL_FETCH_MAX_BYTES_CONFIG));
        this.verifier = new CheckpointVerifier(config.batchMaxSize());
        this.thread = new Thread(this::run, "otnn-model-follower-" + role());
        thread.setDaemon(true);
    }

    /**
     * A follower of {@code spec} (not started).
     *
     * @param initial     the engine to serve until the topic says otherwise (a {@code model} given at start), or null
     *                    to serve nothing until the first accepted checkpoint
     * @param ownsInitial whether the slot closes {@code initial} once it is swapped out
     * @param drift       learns the drift reference of each accepted version
     * @param meters      the serving version and refusals ({@link ExplainerMeters#NONE} for none)
     */
    public static ModelFollower create(
            ExplainerConfig config,
            FollowSpec spec,
            ExplanationEngine initial,
            boolean ownsInitial,
            DriftReferences drift,
            ExplainerMeters meters) {
        return new ModelFollower(config, spec, initial, ownsInitial, drift, meters, null);
    }

    /**
     * As above, for a slot that explains the images decoded for another one (the shadow, next to the primary): each
     * candidate must have the input contract of the model {@code contractOf} serves when it is tried.
     */
    public static ModelFollower create(
            ExplainerConfig config,
            FollowSpec spec,
            ExplanationEngine initial,
            boolean ownsInitial,
            DriftReferences drift,
            ExplainerMeters meters,
            io.otnn.streams.explaining.ServedModel contractOf) {
        return new ModelFollower(config, spec, initial, ownsInitial, drift, meters, contractOf);
    }

    /** The follow spec of the primary slot from {@code model.name}/{@code model.version}, else {@code model}'s name. */
    public static Optional<FollowSpec> primarySpec(ExplainerConfig config, ModelMetadata given) {
        String name = config.getString(ExplainerConfig.MODEL_NAME_CONFIG);
        Integer version = config.getInt(ExplainerConfig.MODEL_VERSION_CONFIG);
        if (!name.isBlank()) {
            return Optional.of(FollowSpec.primary(name, version));
        }
        if (given != null && config.getBoolean(ExplainerConfig.MODEL_FOLLOW_CONFIG)) {
            return Optional.of(FollowSpec.primary(given.name(), version));
        }
        return Optional.empty();
    }

    /** The follow spec of the shadow slot from {@code model.shadow.name}/{@code model.shadow.version}, if set. */
    public static Optional<FollowSpec> shadowSpec(ExplainerConfig config) {
        String name = config.getString(ExplainerConfig.MODEL_SHADOW_NAME_CONFIG);
        if (name.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(FollowSpec.shadow(name, config.getInt(ExplainerConfig.MODEL_SHADOW_VERSION_CONFIG)));
    }

    public void start() {
        thread.start();
    }

    /**
     * Waits until the topic has been read to its end and its target tried (at most {@code timeout}).
     *
     * @return whether the slot serves a model then
     */
    public boolean awaitServing(Duration timeout) throws InterruptedException {
        caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return slot.serving();
    }

    public ModelSlot slot() {
        return slot;
    }

    public FollowSpec spec() {
        return spec;
    }

    /** The drift reference of each version this follower accepted (the metric windows' drift figures). */
    public DriftReferences driftReferences() {
        return drift;
    }

    /** The last refusal, in one line ("name vN (uri): reason"), if the latest try was refused. */
    public Optional<String> lastRefusal() {
        return Optional.ofNullable(lastRefusal);
    }

    private void run() {
        try {
            List<TopicPartition> partitions = awaitPartitions();
            if (partitions == null) {
                return;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            boolean atEnd = false;
            while (!closed) {
                boolean ours = false;
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    ours |= read(record);
                }
                if (!atEnd) {
                    atEnd = true;
                    for (TopicPartition p : partitions) {
                        atEnd &= consumer.position(p) >= end.get(p);
                    }
                    if (atEnd) {
                        LOG.info(
                                "Model follower ({}): read {} to its end, {} announcement(s) of {}",
                                spec,
                                topic,
                                history.size(),
                                spec.name());
                        decide(true);
                        caughtUp.countDown();
                    }
                } else if (ours) {
                    decide(false);
                }
            }
        } catch (WakeupException e) {
            if (!closed) {
                LOG.error("Model follower ({}) woken up unexpectedly; it stops following", spec, e);
            }
        } catch (RuntimeException e) {
            Optional<String> refused = io.otnn.schemas.auth.CredentialFailures.describe(e);
            if (refused.isPresent()) {
                // one line, as the stream's own refusal: the stream stops on it anyway
                LOG.error("Model follower ({}) stopped: {}", spec, refused.get());
            } else {
                LOG.error(
                        "Model follower ({}) failed; the serving model stays, new announcements are not followed",
                        spec,
                        e);
            }
        } finally {
            caughtUp.countDown();
        }
    }

    /** The topic's partitions; with no such topic yet, nothing was announced: catch up at once and wait for it. */
    private List<TopicPartition> awaitPartitions() {
        while (!closed) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos != null && !infos.isEmpty()) {
                return infos.stream()
                        .map(i -> new TopicPartition(i.topic(), i.partition()))
                        .toList();
            }
            if (caughtUp.getCount() > 0) {
                LOG.info("Model follower ({}): no topic {} yet; serving what was given", spec, topic);
                caughtUp.countDown();
            }
            try {
                if (stopping.await(2, TimeUnit.SECONDS)) {
                    return null;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /** @return whether the record announces the followed name */
    private boolean read(ConsumerRecord<String, byte[]> record) {
        if (!spec.name().equals(record.key()) || record.value() == null || record.value().length == 0) {
            return false;
        }
        ModelCheckpoint event;
        try {
            event = deserializer.deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            LOG.warn(
                    "Model follower ({}): the record at {}-{}@{} is not a ModelCheckpoint; skipped: {}",
                    spec,
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    e.toString());
            return false;
        }
        history.add(new Announcement(record.partition(), record.offset(), event, System.nanoTime()));
        return true;
    }

    private void decide(boolean atStartup) {
        for (Announcement candidate :
                TargetChoice.candidates(history, spec.pinnedVersion(), served, refused, atStartup)) {
            if (closed || trySwap(candidate)) {
                return;
            }
        }
    }

    private boolean trySwap(Announcement a) {
        ModelCheckpoint event = a.event();
        try {
            Path local = fetcher.fetch(event);
            ModelMetadata serving = slot.servingModel().orElse(null);
            ModelMetadata contract =
                    contractOf != null ? contractOf.current().engine().model() : serving;
            OtnnEngine engine = verifier.verify(event, local, contract, slot.recentImages());
            ModelMetadata model = engine.model();
            drift.learn(model.name() + "@" + model.version(), engine.driftReference());
            long generation = slot.swap(engine, true);
            if (local.startsWith(fetcher.cache().dir())) {
                fetcher.cache().served(local);
            }
            served = new TargetChoice.Served(model.version(), event.getManifestDigest());
            lastRefusal = null;
            long swapMs = (System.nanoTime() - a.readAtNanos()) / 1_000_000;
            LOG.info(
                    "Model {} v{} serves the {} slot from the next batch (generation {}): fetched, verified, "
                            + "self-tested and warmed up {} ms after its announcement was read{}",
                    model.name(),
                    model.version(),
                    role(),
                    generation,
                    swapMs,
                    serving == null ? "" : "; v" + serving.version() + " before");
            meters.modelServing(spec.role().name(), model.name(), model.version());
            publisher.serving(event, swapMs);
            return true;
        } catch (RefusedCheckpoint e) {
            refused.add(a.id());
            Optional<ModelMetadata> serving = slot.servingModel();
            lastRefusal = a + ": " + e.getMessage();
            LOG.warn(
                    "Refused {} v{} from {} for the {} slot: {}; {}",
                    event.getModelName(),
                    event.getVersion(),
                    event.getUri(),
                    role(),
                    e.getMessage(),
                    serving.map(m -> "v" + m.version() + " keeps serving").orElse("no model serves yet"));
            meters.modelRefused(spec.role().name(), event.getModelName());
            publisher.refused(
                    event, e.getMessage(), serving.map(ModelMetadata::version).orElse(null));
            return false;
        }
    }

    private String role() {
        return spec.role().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The connection and security settings of Kafka clients, without Kafka Streams' own. */
    static Map<String, Object> clientOnly(Map<String, Object> clientProperties) {
        Map<String, Object> props = new HashMap<>();
        clientProperties.forEach((k, v) -> {
            if (ConsumerConfig.configNames().contains(k)
                    || ProducerConfig.configNames().contains(k)) {
                props.put(k, v);
            }
        });
        props.remove(ConsumerConfig.CLIENT_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.ISOLATION_LEVEL_CONFIG);
        props.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        return props;
    }

    static Path cacheDir(ExplainerConfig config) {
        String configured = config.getString(ExplainerConfig.MODEL_CACHE_DIR_CONFIG);
        if (!configured.isBlank()) {
            return Path.of(configured);
        }
        String application =
                config.getString(ExplainerConfig.APPLICATION_ID_CONFIG).replaceAll("[^A-Za-z0-9._-]", "_");
        return Path.of(System.getProperty("java.io.tmpdir"), "otnn-models", application);
    }

    /** Stops following, then closes the slot (its engine once no task uses it): call it after Kafka Streams closed. */
    @Override
    public void close() {
        closed = true;
        stopping.countDown();
        consumer.wakeup();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            consumer.close(Duration.ofSeconds(5));
        }
        publisher.close();
        deserializer.close();
        registry.close();
        slot.close();
    }
}
