package io.otnn.streams;

import io.otnn.explain.metrics.Baseline;
import io.otnn.streams.batching.CommitAfterBatch;
import io.otnn.streams.drift.DriftThresholds;
import io.otnn.streams.fidelity.FidelitySettings;
import io.otnn.streams.shadow.ShadowTopics;
import io.otnn.streams.time.EventTimePolicy;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The stream explainer's configuration: our keys (declared once below, with type, default and doc) plus any
 * Kafka Streams, consumer, producer, admin or security property, which passes to Kafka Streams unchanged.
 *
 * <p>Sources, later ones win: a properties file, then environment variables ({@code OTNN_BATCH_MAX_SIZE} →
 * {@code batch.max.size} for our keys, {@code OTNN_KAFKA_SASL_JAAS_CONFIG} → {@code sasl.jaas.config} for any
 * Kafka property), then command-line flags. In a file, a Kafka property may be written as is
 * ({@code security.protocol=SASL_SSL}) or with a {@code kafka.} prefix.
 */
public final class ExplainerConfig extends AbstractConfig {

    /** Our default for Kafka Streams' {@code commit.interval.ms}; see bench/README.md for the measurements. */
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 50;

    public static final String ENV_PREFIX = "OTNN_";
    public static final String ENV_KAFKA_PREFIX = "OTNN_KAFKA_";
    public static final String KAFKA_PREFIX = "kafka.";

    public static final String BOOTSTRAP_SERVERS_CONFIG = StreamsConfig.BOOTSTRAP_SERVERS_CONFIG;
    public static final String BOOTSTRAP_SERVERS_DOC = "Kafka brokers, host:port[,host:port...].";

    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    public static final String SCHEMA_REGISTRY_URL_DOC =
            "Confluent-compatible schema registry (Confluent, Apicurio ccompat, Karapace, local-stack). Required for format=avro.";

    public static final String MODEL_CONFIG = "model";
    public static final String MODEL_DOC = "The OTNN checkpoint: a directory or a .tar.gz archive of one.";

    public static final String MODEL_SHADOW_CONFIG = "model.shadow";
    public static final String MODEL_SHADOW_DOC = "A shadow OTNN checkpoint (directory or .tar.gz): each image is also "
            + "explained by it, its explanations go to topic.explanations.shadow and per window a comparison with the "
            + "primary model to topic.metrics.comparison. Empty: no shadow.";
    public static final String MODEL_SHADOW_NAME_CONFIG = "model.shadow.name";
    public static final String MODEL_SHADOW_NAME_DOC =
            "Follow this model name on topic.models as the shadow: its latest "
                    + "announced checkpoint (each verified and self-tested as the primary's, and required to take the "
                    + "primary's input) explains every image too and is compared with the primary. With 'model.shadow', that "
                    + "checkpoint serves until the topic names another.";
    public static final String MODEL_SHADOW_VERSION_CONFIG = "model.shadow.version";
    public static final String MODEL_SHADOW_VERSION_DOC =
            "Pin the followed shadow to this version; unset: the latest announcement of model.shadow.name.";

    public static final String APPLICATION_ID_CONFIG = StreamsConfig.APPLICATION_ID_CONFIG;
    public static final String APPLICATION_ID_DOC =
            "Kafka Streams application id: consumer group, prefix of internal topics. Instances with the same id share the partitions.";
    public static final String DEFAULT_APPLICATION_ID = "otnn-stream-explainer";

    public static final String FORMAT_CONFIG = "format";
    public static final String FORMAT_DOC =
            "Wire format of the topics: avro (Confluent wire format, registry) or json (no registry; debugging).";

    public static final String TOPIC_IMAGES_CONFIG = "topic.images";
    public static final String TOPIC_IMAGES_DOC = "Input topic of ImageEvents.";
    public static final String TOPIC_EXPLANATIONS_CONFIG = "topic.explanations";
    public static final String TOPIC_EXPLANATIONS_DOC = "Output topic of Explanations, keyed by image id.";
    public static final String TOPIC_DEAD_LETTERS_CONFIG = "topic.dead.letters";
    public static final String TOPIC_DEAD_LETTERS_DOC = "Output topic of DeadLetters, keyed by image id when known.";
    public static final String TOPIC_METRICS_CONFIG = "topic.metrics";
    public static final String TOPIC_METRICS_DOC =
            "Output topic of ExplanationMetrics, one per window and model version.";
    public static final String TOPIC_MODELS_CONFIG = "topic.models";
    public static final String TOPIC_MODELS_DOC = "Compacted topic of ModelCheckpoint events, keyed by model name.";

    public static final String TOPIC_EXPLANATIONS_SHADOW_CONFIG = "topic.explanations.shadow";
    public static final String TOPIC_EXPLANATIONS_SHADOW_DOC =
            "Output topic of the shadow model's Explanations, keyed by image id (only with a shadow).";
    public static final String TOPIC_METRICS_COMPARISON_CONFIG = "topic.metrics.comparison";
    public static final String TOPIC_METRICS_COMPARISON_DOC =
            "Output topic of the ExplanationComparison windows, keyed "
                    + "by window start and primary@version|shadow@version (only with a shadow).";
    public static final String TOPIC_MODELS_STATUS_CONFIG = "topic.models.status";
    public static final String TOPIC_MODELS_STATUS_DOC = "Topic of ModelServingStatus records: what each instance did "
            + "with each announced checkpoint (SERVING with its swap time, or REFUSED with the reason).";
    public static final String DEFAULT_MODELS_STATUS = "otnn.models.status";

    public static final String MODEL_NAME_CONFIG = "model.name";
    public static final String MODEL_NAME_DOC = "Follow this model name on topic.models: serve its latest announced "
            + "checkpoint and swap live when a new one is announced. Without 'model', start-up waits (at most "
            + "startup.timeout.ms) for the first accepted checkpoint. Default: the name in 'model''s metadata.";
    public static final String MODEL_VERSION_CONFIG = "model.version";
    public static final String MODEL_VERSION_DOC =
            "Pin the followed model to this version (a rollback); unset: the latest announcement.";
    public static final String MODEL_FOLLOW_CONFIG = "model.follow";
    public static final String MODEL_FOLLOW_DOC =
            "With 'model' and no 'model.name': follow the name in the checkpoint's metadata (false: serve it only).";
    public static final String MODEL_CACHE_DIR_CONFIG = "model.cache.dir";
    public static final String MODEL_CACHE_DIR_DOC =
            "Where checkpoints fetched over http(s) are kept; default <java.io.tmpdir>/otnn-models/<application.id>.";
    public static final String MODEL_CACHE_MAX_BYTES_CONFIG = "model.cache.max.bytes";
    public static final String MODEL_CACHE_MAX_BYTES_DOC =
            "Bound of the cache; the oldest archives go first, never those of the last 3 versions served.";
    public static final String MODEL_FETCH_MAX_BYTES_CONFIG = "model.fetch.max.bytes";
    public static final String MODEL_FETCH_MAX_BYTES_DOC = "Largest checkpoint archive fetched over http(s).";
    public static final String MODEL_FETCH_CONNECT_TIMEOUT_MS_CONFIG = "model.fetch.connect.timeout.ms";
    public static final String MODEL_FETCH_CONNECT_TIMEOUT_MS_DOC = "Connect timeout of a checkpoint fetch.";
    public static final String MODEL_FETCH_TIMEOUT_MS_CONFIG = "model.fetch.timeout.ms";
    public static final String MODEL_FETCH_TIMEOUT_MS_DOC =
            "Longest wait for the answer of a checkpoint fetch over http(s).";

    public static final String TOPICS_CREATE_CONFIG = "topics.create";
    public static final String TOPICS_CREATE_DOC = "Create missing topics at start-up with the AdminClient.";
    public static final String TOPIC_IMAGES_PARTITIONS_CONFIG = "topic.images.partitions";
    public static final String TOPIC_IMAGES_PARTITIONS_DOC =
            "Partitions of the images topic when created: the most instances × threads that can share the work.";
    public static final String TOPIC_PARTITIONS_CONFIG = "topic.partitions";
    public static final String TOPIC_PARTITIONS_DOC = "Partitions of the other topics when created (models: always 1).";
    public static final String TOPIC_REPLICATION_FACTOR_CONFIG = "topic.replication.factor";
    public static final String TOPIC_REPLICATION_FACTOR_DOC =
            "Replication factor of created topics; -1 = the broker's default.";

    public static final String BATCH_MAX_SIZE_CONFIG = "batch.max.size";
    public static final String BATCH_MAX_SIZE_DOC =
            "Most images per model call. A full batch is explained at once, without waiting.";
    public static final String BATCH_MAX_WAIT_MS_CONFIG = "batch.max.wait.ms";
    public static final String BATCH_MAX_WAIT_MS_DOC =
            "Longest time (wall clock) an image waits for its batch to fill before a smaller batch is explained.";

    public static final String COMMIT_AFTER_BATCH_CONFIG = "commit.after.batch";
    public static final String COMMIT_AFTER_BATCH_DOC = "Which batches ask for a commit as soon as their outcomes "
            + "are forwarded, so that read_committed consumers see them without waiting for commit.interval.ms: none, "
            + "partial (batches smaller than batch.max.size, i.e. traffic below capacity) or every.";

    public static final String BATCHING_BUFFER_CONFIG = "batching.buffer";
    public static final String BATCHING_BUFFER_DOC = "Where images wait for their batch: in-memory (explained right "
            + "before every commit; relies on Kafka Streams internals, checked at start-up) or changelogged (a "
            + "changelogged store restored after a crash; public API only, slower). See docs/architecture.md.";

    public static final String IMAGE_MAX_BYTES_CONFIG = "image.max.bytes";
    public static final String IMAGE_MAX_BYTES_DOC =
            "Largest encoded image accepted; larger ones are dead letters (OVERSIZE).";

    public static final String METRICS_WINDOW_MS_CONFIG = "metrics.window.ms";
    public static final String METRICS_WINDOW_MS_DOC = "Size of the tumbling metric windows (event time).";
    public static final String METRICS_GRACE_MS_CONFIG = "metrics.grace.ms";
    public static final String METRICS_GRACE_MS_DOC =
            "How long after its end a window still accepts late explanations before its final figures are published.";
    public static final String METRICS_EPSILONS_CONFIG = "metrics.epsilons";
    public static final String METRICS_EPSILONS_DOC = "Radii ε (L2) at which the certified fraction is reported.";

    public static final String DRIFT_PVALUE_THRESHOLD_CONFIG = "drift.pvalue.threshold";
    public static final String DRIFT_PVALUE_THRESHOLD_DOC = "A window raises a drift alarm only when the test's p-value"
            + " (chi-square for the class mix, KS for the certificates) is below this.";
    public static final String DRIFT_PSI_THRESHOLD_CONFIG = "drift.psi.threshold";
    public static final String DRIFT_PSI_THRESHOLD_DOC =
            "Smallest PSI of the predicted-class mix that raises CLASS_MIX.";
    public static final String DRIFT_KS_THRESHOLD_CONFIG = "drift.ks.threshold";
    public static final String DRIFT_KS_THRESHOLD_DOC =
            "Smallest KS statistic of the certificates that raises CERTIFICATE.";
    public static final String DRIFT_MIN_COUNT_CONFIG = "drift.min.count";
    public static final String DRIFT_MIN_COUNT_DOC = "Fewest explanations in a window for it to raise a drift alarm.";

    public static final String EVENT_TIME_MAX_FUTURE_MS_CONFIG = "event.time.max.future.ms";
    public static final String EVENT_TIME_MAX_FUTURE_MS_DOC =
            "How far ahead of the wall clock an image's event time may be and still stamp its explanation and window; later ones use the arrival time (eventTimeAdjustment FUTURE). Narrowed at start-up to the output topics' message.timestamp.after.max.ms.";
    public static final String EVENT_TIME_MAX_PAST_MS_CONFIG = "event.time.max.past.ms";
    public static final String EVENT_TIME_MAX_PAST_MS_DOC =
            "How far behind the wall clock an image's event time may be; older ones use the arrival time (eventTimeAdjustment PAST). Narrowed at start-up to the output topics' message.timestamp.before.max.ms.";

    public static final String OUTPUT_MAX_BYTES_CONFIG = "output.max.bytes";
    public static final String OUTPUT_MAX_BYTES_DOC =
            "Largest serialized explanation or dead letter sent; a larger explanation becomes a PRODUCTION dead letter. Narrowed at start-up to the producer's max.request.size and the output topics' max.message.bytes, less 1 KiB for key, headers and batch overhead.";
    public static final int DEFAULT_OUTPUT_MAX_BYTES = 1_047_552;

    public static final String INSTANCE_ID_CONFIG = "instance.id";
    public static final String INSTANCE_ID_DOC =
            "Name of this instance in explanations and dead letters; empty = host:pid.";

    public static final String STARTUP_TIMEOUT_MS_CONFIG = "startup.timeout.ms";
    public static final String STARTUP_TIMEOUT_MS_DOC = "How long start-up waits for each of the Kafka cluster, the "
            + "images topic (topics.create=false) and the schema registry before it gives up (the command then exits 1).";
    public static final String STARTUP_WARNING_INTERVAL_MS_CONFIG = "startup.warning.interval.ms";
    public static final String STARTUP_WARNING_INTERVAL_MS_DOC =
            "While start-up waits, how often it repeats the " + "one-line warning that says what it waits for and why.";

    public static final String HTTP_PORT_CONFIG = "http.port";
    public static final String HTTP_PORT_DOC = "Port of /health/live, /health/ready and /metrics (Prometheus); "
            + "-1: no HTTP server, 0: a free port (the URL is logged).";
    public static final String HTTP_BIND_CONFIG = "http.bind";
    public static final String HTTP_BIND_DOC = "Address the HTTP server binds (loopback by default; 0.0.0.0 to be "
            + "scraped from other hosts or containers).";
    public static final String FIDELITY_SAMPLE_RATE_CONFIG = "fidelity.sample.rate";
    public static final String FIDELITY_SAMPLE_RATE_DOC = "Share of the explained images whose saliency fidelity "
            + "(µFidelity, Deletion AUC) is measured and published per metric window; chosen from a hash of the image "
            + "id, so the same images on any replay; 0 turns it off.";
    public static final String FIDELITY_MUFIDELITY_SAMPLES_CONFIG = "fidelity.mufidelity.samples";
    public static final String FIDELITY_MUFIDELITY_SAMPLES_DOC = "µFidelity's random subsets per measured image "
            + "(one forward pass row each; Xplique's offline default is 200).";
    public static final String FIDELITY_MUFIDELITY_GRID_CONFIG = "fidelity.mufidelity.grid";
    public static final String FIDELITY_MUFIDELITY_GRID_DOC =
            "µFidelity's grid: the image is cut into grid × grid " + "cells, the units a subset removes.";
    public static final String FIDELITY_MUFIDELITY_SUBSET_CONFIG = "fidelity.mufidelity.subset.fraction";
    public static final String FIDELITY_MUFIDELITY_SUBSET_DOC = "Share of the cells each µFidelity subset removes.";
    public static final String FIDELITY_BASELINE_CONFIG = "fidelity.baseline";
    public static final String FIDELITY_BASELINE_DOC = "What removed pixels become, for µFidelity and Deletion: zero, "
            + "or uniform noise over the model's input range.";
    public static final String FIDELITY_DELETION_STEPS_CONFIG = "fidelity.deletion.steps";
    public static final String FIDELITY_DELETION_STEPS_DOC = "Deletion's steps (steps + 1 images per measured image).";
    public static final String FIDELITY_SEED_CONFIG = "fidelity.seed";
    public static final String FIDELITY_SEED_DOC = "Seed of µFidelity's subsets and of the uniform baselines.";

    public static final String TENSORFLOW_INTRA_OP_THREADS_CONFIG = "tensorflow.intra.op.threads";
    public static final String TENSORFLOW_INTRA_OP_THREADS_DOC = "Threads one TensorFlow operation of a model call may "
            + "use (DJL's ai.djl.tensorflow.num_intraop_threads, set before the first model is loaded unless set on "
            + "the command line); unset: the cores divided among the stream threads (at least 1); 0: TensorFlow's "
            + "default, all cores.";
    public static final String TENSORFLOW_INTER_OP_THREADS_CONFIG = "tensorflow.inter.op.threads";
    public static final String TENSORFLOW_INTER_OP_THREADS_DOC = "TensorFlow operations run at once (DJL's "
            + "ai.djl.tensorflow.num_interop_threads, likewise); unset: the cores divided among the stream threads "
            + "(at least 1); 0: TensorFlow's default, all cores.";

    /** Unset, or a thread count (0: TensorFlow's default). */
    private static final ConfigDef.Validator TENSORFLOW_THREADS_VALIDATOR = ConfigDef.LambdaValidator.with(
            (name, value) -> {
                if (value != null && (Integer) value < 0) {
                    throw new ConfigException(name, value, "a thread count is at least 0 (0: TensorFlow's default)");
                }
            },
            () -> "unset or at least 0");

    /** model.version and model.shadow.version: unset, or a version (at least 1). */
    private static final ConfigDef.Validator MODEL_VERSION_VALIDATOR = ConfigDef.LambdaValidator.with(
            (name, value) -> {
                if (value != null && (Integer) value < 1) {
                    throw new ConfigException(name, value, "a model version is at least 1");
                }
            },
            () -> "unset or at least 1");

    private static final ConfigDef CONFIG = new ConfigDef()
            .define(BOOTSTRAP_SERVERS_CONFIG, Type.LIST, Importance.HIGH, BOOTSTRAP_SERVERS_DOC)
            .define(SCHEMA_REGISTRY_URL_CONFIG, Type.STRING, "", Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
            .define(MODEL_CONFIG, Type.STRING, "", Importance.HIGH, MODEL_DOC)
            .define(APPLICATION_ID_CONFIG, Type.STRING, DEFAULT_APPLICATION_ID, Importance.HIGH, APPLICATION_ID_DOC)
            .define(
                    FORMAT_CONFIG,
                    Type.STRING,
                    "avro",
                    ConfigDef.ValidString.in("avro", "json"),
                    Importance.MEDIUM,
                    FORMAT_DOC)
            .define(TOPIC_IMAGES_CONFIG, Type.STRING, Topics.DEFAULT_IMAGES, Importance.MEDIUM, TOPIC_IMAGES_DOC)
            .define(
                    TOPIC_EXPLANATIONS_CONFIG,
                    Type.STRING,
                    Topics.DEFAULT_EXPLANATIONS,
                    Importance.MEDIUM,
                    TOPIC_EXPLANATIONS_DOC)
            .define(
                    TOPIC_DEAD_LETTERS_CONFIG,
                    Type.STRING,
                    Topics.DEFAULT_DEAD_LETTERS,
                    Importance.MEDIUM,
                    TOPIC_DEAD_LETTERS_DOC)
            .define(TOPIC_METRICS_CONFIG, Type.STRING, Topics.DEFAULT_METRICS, Importance.MEDIUM, TOPIC_METRICS_DOC)
            .define(TOPIC_MODELS_CONFIG, Type.STRING, Topics.DEFAULT_MODELS, Importance.LOW, TOPIC_MODELS_DOC)
            .define(MODEL_SHADOW_CONFIG, Type.STRING, "", Importance.MEDIUM, MODEL_SHADOW_DOC)
            .define(MODEL_SHADOW_NAME_CONFIG, Type.STRING, "", Importance.MEDIUM, MODEL_SHADOW_NAME_DOC)
            .define(
                    MODEL_SHADOW_VERSION_CONFIG,
                    Type.INT,
                    null,
                    MODEL_VERSION_VALIDATOR,
                    Importance.LOW,
                    MODEL_SHADOW_VERSION_DOC)
            .define(
                    TOPIC_EXPLANATIONS_SHADOW_CONFIG,
                    Type.STRING,
                    ShadowTopics.DEFAULT_EXPLANATIONS,
                    Importance.LOW,
                    TOPIC_EXPLANATIONS_SHADOW_DOC)
            .define(
                    TOPIC_METRICS_COMPARISON_CONFIG,
                    Type.STRING,
                    ShadowTopics.DEFAULT_COMPARISONS,
                    Importance.LOW,
                    TOPIC_METRICS_COMPARISON_DOC)
            .define(
                    TOPIC_MODELS_STATUS_CONFIG,
                    Type.STRING,
                    DEFAULT_MODELS_STATUS,
                    Importance.LOW,
                    TOPIC_MODELS_STATUS_DOC)
            .define(MODEL_NAME_CONFIG, Type.STRING, "", Importance.HIGH, MODEL_NAME_DOC)
            .define(MODEL_VERSION_CONFIG, Type.INT, null, MODEL_VERSION_VALIDATOR, Importance.MEDIUM, MODEL_VERSION_DOC)
            .define(MODEL_FOLLOW_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM, MODEL_FOLLOW_DOC)
            .define(MODEL_CACHE_DIR_CONFIG, Type.STRING, "", Importance.LOW, MODEL_CACHE_DIR_DOC)
            .define(
                    MODEL_CACHE_MAX_BYTES_CONFIG,
                    Type.LONG,
                    2L << 30,
                    ConfigDef.Range.atLeast(0),
                    Importance.LOW,
                    MODEL_CACHE_MAX_BYTES_DOC)
            .define(
                    MODEL_FETCH_MAX_BYTES_CONFIG,
                    Type.LONG,
                    1L << 30,
                    ConfigDef.Range.atLeast(1),
                    Importance.LOW,
                    MODEL_FETCH_MAX_BYTES_DOC)
            .define(
                    MODEL_FETCH_CONNECT_TIMEOUT_MS_CONFIG,
                    Type.LONG,
                    10_000L,
                    ConfigDef.Range.atLeast(1),
                    Importance.LOW,
                    MODEL_FETCH_CONNECT_TIMEOUT_MS_DOC)
            .define(
                    MODEL_FETCH_TIMEOUT_MS_CONFIG,
                    Type.LONG,
                    120_000L,
                    ConfigDef.Range.atLeast(1),
                    Importance.LOW,
                    MODEL_FETCH_TIMEOUT_MS_DOC)
            .define(TOPICS_CREATE_CONFIG, Type.BOOLEAN, true, Importance.LOW, TOPICS_CREATE_DOC)
            .define(
                    TOPIC_IMAGES_PARTITIONS_CONFIG,
                    Type.INT,
                    6,
                    ConfigDef.Range.atLeast(1),
                    Importance.MEDIUM,
                    TOPIC_IMAGES_PARTITIONS_DOC)
            .define(
                    TOPIC_PARTITIONS_CONFIG,
                    Type.INT,
                    6,
                    ConfigDef.Range.atLeast(1),
                    Importance.LOW,
                    TOPIC_PARTITIONS_DOC)
            .define(
                    TOPIC_REPLICATION_FACTOR_CONFIG,
                    Type.SHORT,
                    (short) -1,
                    Importance.MEDIUM,
                    TOPIC_REPLICATION_FACTOR_DOC)
            .define(
                    BATCH_MAX_SIZE_CONFIG,
                    Type.INT,
                    64,
                    ConfigDef.Range.between(1, 4096),
                    Importance.HIGH,
                    BATCH_MAX_SIZE_DOC)
            .define(
                    BATCH_MAX_WAIT_MS_CONFIG,
                    Type.LONG,
                    20L,
                    ConfigDef.Range.between(0, 60_000),
                    Importance.HIGH,
                    BATCH_MAX_WAIT_MS_DOC)
            .define(
                    COMMIT_AFTER_BATCH_CONFIG,
                    Type.STRING,
                    CommitAfterBatch.NONE.configValue(),
                    ConfigDef.ValidString.in(CommitAfterBatch.configValues()),
                    Importance.MEDIUM,
                    COMMIT_AFTER_BATCH_DOC)
            .define(
                    BATCHING_BUFFER_CONFIG,
                    Type.STRING,
                    "in-memory",
                    ConfigDef.ValidString.in("in-memory", "changelogged"),
                    Importance.MEDIUM,
                    BATCHING_BUFFER_DOC)
            .define(
                    IMAGE_MAX_BYTES_CONFIG,
                    Type.INT,
                    1 << 20,
                    ConfigDef.Range.atLeast(1),
                    Importance.MEDIUM,
                    IMAGE_MAX_BYTES_DOC)
            .define(
                    METRICS_WINDOW_MS_CONFIG,
                    Type.LONG,
                    10_000L,
                    ConfigDef.Range.atLeast(1),
                    Importance.MEDIUM,
                    METRICS_WINDOW_MS_DOC)
            .define(
                    METRICS_GRACE_MS_CONFIG,
                    Type.LONG,
                    2_000L,
                    ConfigDef.Range.atLeast(0),
                    Importance.MEDIUM,
                    METRICS_GRACE_MS_DOC)
            .define(
                    METRICS_EPSILONS_CONFIG,
                    Type.LIST,
                    "0.1411764705882353,0.5,1.0",
                    Importance.LOW,
                    METRICS_EPSILONS_DOC)
            .define(
                    DRIFT_PVALUE_THRESHOLD_CONFIG,
                    Type.DOUBLE,
                    DriftThresholds.DEFAULT_P_VALUE,
                    ConfigDef.Range.between(0, 1),
                    Importance.LOW,
                    DRIFT_PVALUE_THRESHOLD_DOC)
            .define(
                    DRIFT_PSI_THRESHOLD_CONFIG,
                    Type.DOUBLE,
                    DriftThresholds.DEFAULT_PSI,
                    ConfigDef.Range.atLeast(0),
                    Importance.LOW,
                    DRIFT_PSI_THRESHOLD_DOC)
            .define(
                    DRIFT_KS_THRESHOLD_CONFIG,
                    Type.DOUBLE,
                    DriftThresholds.DEFAULT_KS,
                    ConfigDef.Range.between(0, 1),
                    Importance.LOW,
                    DRIFT_KS_THRESHOLD_DOC)
            .define(
                    DRIFT_MIN_COUNT_CONFIG,
                    Type.LONG,
                    DriftThresholds.DEFAULT_MIN_COUNT,
                    ConfigDef.Range.atLeast(1),
                    Importance.LOW,
                    DRIFT_MIN_COUNT_DOC)
            .define(
                    EVENT_TIME_MAX_FUTURE_MS_CONFIG,
                    Type.LONG,
                    EventTimePolicy.DEFAULT_MAX_FUTURE_MS,
                    ConfigDef.Range.atLeast(0),
                    Importance.MEDIUM,
                    EVENT_TIME_MAX_FUTURE_MS_DOC)
            .define(
                    EVENT_TIME_MAX_PAST_MS_CONFIG,
                    Type.LONG,
                    EventTimePolicy.DEFAULT_MAX_PAST_MS,
                    ConfigDef.Range.atLeast(0),
                    Importance.MEDIUM,
                    EVENT_TIME_MAX_PAST_MS_DOC)
            .define(
                    OUTPUT_MAX_BYTES_CONFIG,
                    Type.INT,
                    DEFAULT_OUTPUT_MAX_BYTES,
                    ConfigDef.Range.atLeast(1024),
                    Importance.LOW,
                    OUTPUT_MAX_BYTES_DOC)
            .define(INSTANCE_ID_CONFIG, Type.STRING, "", Importance.LOW, INSTANCE_ID_DOC)
            .define(
                    STARTUP_TIMEOUT_MS_CONFIG,
                    Type.LONG,
                    60_000L,
                    ConfigDef.Range.atLeast(0),
                    Importance.MEDIUM,
                    STARTUP_TIMEOUT_MS_DOC)
            .define(
                    STARTUP_WARNING_INTERVAL_MS_CONFIG,
                    Type.LONG,
                    10_000L,
                    ConfigDef.Range.atLeast(100),
                    Importance.LOW,
                    STARTUP_WARNING_INTERVAL_MS_DOC)
            .define(
                    HTTP_PORT_CONFIG,
                    Type.INT,
                    -1,
                    ConfigDef.Range.between(-1, 65_535),
                    Importance.MEDIUM,
                    HTTP_PORT_DOC)
            .define(HTTP_BIND_CONFIG, Type.STRING, "127.0.0.1", Importance.MEDIUM, HTTP_BIND_DOC)
            .define(
                    FIDELITY_SAMPLE_RATE_CONFIG,
                    Type.DOUBLE,
                    0.01,
                    ConfigDef.Range.between(0, 1),
                    Importance.MEDIUM,
                    FIDELITY_SAMPLE_RATE_DOC)
            .define(
                    FIDELITY_MUFIDELITY_SAMPLES_CONFIG,
                    Type.INT,
                    50,
                    ConfigDef.Range.between(2, 10_000),
                    Importance.LOW,
                    FIDELITY_MUFIDELITY_SAMPLES_DOC)
            .define(
                    FIDELITY_MUFIDELITY_GRID_CONFIG,
                    Type.INT,
                    20,
                    ConfigDef.Range.between(1, 1_000),
                    Importance.LOW,
                    FIDELITY_MUFIDELITY_GRID_DOC)
            .define(
                    FIDELITY_MUFIDELITY_SUBSET_CONFIG,
                    Type.DOUBLE,
                    0.2,
                    ConfigDef.Range.between(0.001, 0.999),
                    Importance.LOW,
                    FIDELITY_MUFIDELITY_SUBSET_DOC)
            .define(
                    FIDELITY_BASELINE_CONFIG,
                    Type.STRING,
                    "zero",
                    ConfigDef.ValidString.in("zero", "uniform"),
                    Importance.LOW,
                    FIDELITY_BASELINE_DOC)
            .define(
                    FIDELITY_DELETION_STEPS_CONFIG,
                    Type.INT,
                    10,
                    ConfigDef.Range.between(1, 1_000),
                    Importance.LOW,
                    FIDELITY_DELETION_STEPS_DOC)
            .define(FIDELITY_SEED_CONFIG, Type.LONG, 0L, Importance.LOW, FIDELITY_SEED_DOC)
            .define(
                    TENSORFLOW_INTRA_OP_THREADS_CONFIG,
                    Type.INT,
                    null,
                    TENSORFLOW_THREADS_VALIDATOR,
                    Importance.LOW,
                    TENSORFLOW_INTRA_OP_THREADS_DOC)
            .define(
                    TENSORFLOW_INTER_OP_THREADS_CONFIG,
                    Type.INT,
                    null,
                    TENSORFLOW_THREADS_VALIDATOR,
                    Importance.LOW,
                    TENSORFLOW_INTER_OP_THREADS_DOC);

    public ExplainerConfig(Map<?, ?> properties) {
        super(CONFIG, properties, false);
    }

    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    /**
     * Reads the file (if any), then the environment, then the flags; later sources win.
     */
    public static ExplainerConfig load(Path file, Map<String, String> environment, Map<String, ?> flags) {
        Map<String, Object> merged = new HashMap<>();
        if (file != null) {
            Properties properties = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                properties.load(in);
            } catch (IOException e) {
                throw new ConfigException("cannot read the configuration file " + file + ": " + e.getMessage());
            }
            properties.stringPropertyNames().forEach(name -> merged.put(name, properties.getProperty(name)));
        }
        merged.putAll(fromEnvironment(environment));
        flags.forEach((key, value) -> {
            if (value != null) {
                merged.put(key, value);
            }
        });
        return new ExplainerConfig(merged);
    }

    /** {@code OTNN_KAFKA_X_Y} → {@code x.y}; {@code OTNN_X_Y} → {@code x.y} when x.y is one of our keys. */
    static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> result = new HashMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith(ENV_KAFKA_PREFIX)) {
                result.put(toKey(name.substring(ENV_KAFKA_PREFIX.length())), value);
            } else if (name.startsWith(ENV_PREFIX)) {
                String key = toKey(name.substring(ENV_PREFIX.length()));
                if (CONFIG.names().contains(key)) {
                    result.put(key, value);
                }
            }
        });
        return result;
    }

    private static String toKey(String environmentSuffix) {
        return environmentSuffix.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    public int batchMaxSize() {
        return getInt(BATCH_MAX_SIZE_CONFIG);
    }

    public long batchMaxWaitMs() {
        return getLong(BATCH_MAX_WAIT_MS_CONFIG);
    }

    public CommitAfterBatch commitAfterBatch() {
        return CommitAfterBatch.parse(getString(COMMIT_AFTER_BATCH_CONFIG));
    }

    /** {@code in-memory} or {@code changelogged}. */
    public String batchingBuffer() {
        return getString(BATCHING_BUFFER_CONFIG);
    }

    public int imageMaxBytes() {
        return getInt(IMAGE_MAX_BYTES_CONFIG);
    }

    public List<Double> epsilons() {
        return getList(METRICS_EPSILONS_CONFIG).stream()
                .map(String::trim)
                .map(Double::valueOf)
                .toList();
    }

    public DriftThresholds driftThresholds() {
        return new DriftThresholds(
                getDouble(DRIFT_PVALUE_THRESHOLD_CONFIG),
                getDouble(DRIFT_PSI_THRESHOLD_CONFIG),
                getDouble(DRIFT_KS_THRESHOLD_CONFIG),
                getLong(DRIFT_MIN_COUNT_CONFIG));
    }

    /** The online fidelity's settings ({@code fidelity.*}). */
    public FidelitySettings fidelitySettings() {
        return new FidelitySettings(
                getDouble(FIDELITY_SAMPLE_RATE_CONFIG),
                getInt(FIDELITY_MUFIDELITY_SAMPLES_CONFIG),
                getInt(FIDELITY_MUFIDELITY_GRID_CONFIG),
                getDouble(FIDELITY_MUFIDELITY_SUBSET_CONFIG),
                Baseline.valueOf(getString(FIDELITY_BASELINE_CONFIG).toUpperCase(Locale.ROOT)),
                getInt(FIDELITY_DELETION_STEPS_CONFIG),
                getLong(FIDELITY_SEED_CONFIG));
    }

    public EventTimePolicy eventTimePolicy() {
        return new EventTimePolicy(getLong(EVENT_TIME_MAX_FUTURE_MS_CONFIG), getLong(EVENT_TIME_MAX_PAST_MS_CONFIG));
    }

    public String instanceId() {
        String configured = getString(INSTANCE_ID_CONFIG);
        if (!configured.isBlank()) {
            return configured;
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host + ":" + ManagementFactory.getRuntimeMXBean().getPid();
    }

    /**
     * Kafka Streams' {@code num.stream.threads}: as set ({@code kafka.}-prefixed or not), else one per core up to the
     * partitions of the images topic (a thread beyond them would own no image). Two threads with one TensorFlow thread
     * each run two model calls side by side on 2 cores: +62 % against one thread calling TensorFlow on both cores
     * (stream-explainer/README.md).
     */
    public int streamThreads() {
        Object set = originals().get(KAFKA_PREFIX + StreamsConfig.NUM_STREAM_THREADS_CONFIG);
        if (set == null) {
            set = originals().get(StreamsConfig.NUM_STREAM_THREADS_CONFIG);
        }
        if (set != null) {
            return (Integer) ConfigDef.parseType(StreamsConfig.NUM_STREAM_THREADS_CONFIG, set, Type.INT);
        }
        return defaultStreamThreads(Runtime.getRuntime().availableProcessors(), getInt(TOPIC_IMAGES_PARTITIONS_CONFIG));
    }

    static int defaultStreamThreads(int cores, int imagePartitions) {
        return Math.max(1, Math.min(cores, imagePartitions));
    }

    /** {@code tensorflow.intra.op.threads}: as set (0: TensorFlow's default), else the cores per stream thread. */
    public int tensorflowIntraOpThreads() {
        return tensorflowThreads(TENSORFLOW_INTRA_OP_THREADS_CONFIG);
    }

    /** {@code tensorflow.inter.op.threads}: as set (0: TensorFlow's default), else the cores per stream thread. */
    public int tensorflowInterOpThreads() {
        return tensorflowThreads(TENSORFLOW_INTER_OP_THREADS_CONFIG);
    }

    private int tensorflowThreads(String key) {
        Integer set = getInt(key);
        return set != null
                ? set
                : defaultTensorflowThreads(Runtime.getRuntime().availableProcessors(), streamThreads());
    }

    static int defaultTensorflowThreads(int cores, int streamThreads) {
        return Math.max(1, cores / Math.max(1, streamThreads));
    }

    /**
     * The properties for Kafka Streams: our defaults, then every property that is not one of our keys (security,
     * client and Streams settings), with a {@code kafka.} prefix removed.
     */
    public Properties streamsProperties() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, getString(APPLICATION_ID_CONFIG));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", getList(BOOTSTRAP_SERVERS_CONFIG)));
        // exactly once: an image's offset is committed in the same transaction as its explanation
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // an explanation becomes visible at the commit that follows it: half of Kafka Streams' EOS default (100)
        // halves that wait; waiting images are explained right before each commit (BatchingExplainProcessor)
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, DEFAULT_COMMIT_INTERVAL_MS);
        // every task of the topology reads one partition, so there is nothing to wait for to keep several partitions
        // in time order; with idling on, Kafka Streams formats a waiting reason (String.format) for every empty
        // partition of every task at each loop: 3.5 % of the stream thread in a profile
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads());
        // a bad record is a dead letter, not a reason to stop: the processor handles it; an output the broker
        // refuses anyway fails the transaction, and the production handler (OutputGuard.register) makes sure the
        // image becomes a PRODUCTION dead letter when it is read again
        originals().forEach((key, value) -> {
            if (CONFIG.names().contains(key)
                    && !key.equals(BOOTSTRAP_SERVERS_CONFIG)
                    && !key.equals(APPLICATION_ID_CONFIG)) {
                return;
            }
            String kafkaKey = key.startsWith(KAFKA_PREFIX) ? key.substring(KAFKA_PREFIX.length()) : key;
            if (!kafkaKey.equals(BOOTSTRAP_SERVERS_CONFIG) && !kafkaKey.equals(APPLICATION_ID_CONFIG)) {
                props.put(kafkaKey, value);
            }
        });
        return props;
    }

    /** Kafka Streams' {@code state.dir}: as given (with or without the {@code kafka.} prefix), else its default. */
    public Path stateDir() {
        Object given = streamsProperties().get(StreamsConfig.STATE_DIR_CONFIG);
        Object dir = given != null
                ? given
                : StreamsConfig.configDef().defaultValues().get(StreamsConfig.STATE_DIR_CONFIG);
        return Path.of(dir.toString());
    }

    /** Properties for an AdminClient or a plain client with the same connection and security settings. */
    public Map<String, Object> clientProperties() {
        Map<String, Object> props = new HashMap<>();
        streamsProperties().forEach((k, v) -> props.put((String) k, v));
        return props;
    }
}
