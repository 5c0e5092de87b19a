package io.otnn.cli.demo;

import io.otnn.avro.Explanation;
import io.otnn.avro.ModelServingStatus;
import io.otnn.avro.ServingState;
import io.otnn.avro.TrainingJobState;
import io.otnn.avro.TrainingStatus;
import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.cli.LoggingMixin;
import io.otnn.cli.StopOnSignal;
import io.otnn.dashboard.Dashboard;
import io.otnn.dashboard.DashboardConfig;
import io.otnn.datasets.IdxDataset;
import io.otnn.datasets.SampleData;
import io.otnn.explain.input.ImageDecoder;
import io.otnn.ingest.ImagePublisher;
import io.otnn.ingest.source.IdxSource;
import io.otnn.ingest.source.ImageSource;
import io.otnn.local.LocalStack;
import io.otnn.reference.ReferenceModel;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.serde.AvroSerdes;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.trainer.Trainer;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.TrainingResult;
import io.otnn.trainer.announce.CheckpointAnnouncer;
import io.otnn.training.TrainerService;
import io.otnn.training.requests.TrainingRequests;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code otnn demo}: the whole product on one machine. Starts the local stack, serves the reference checkpoint shipped in
 * the repository (a convolutional OTNN trained on the full Fashion-MNIST; {@code --train} trains the dense OTNN on the
 * bundled sample instead, {@code --model} takes a checkpoint) and announces it, runs the stream explainer, the trainer service and
 * the dashboard, ingests the test images at a steady rate, prints a live status line and writes a few explanations as
 * pictures, until Ctrl-C or {@code --duration}. Once the first model serves, it asks the trainer service for the
 * model's next version (unless {@code --no-swap}); the service trains, exports, serves and announces it, and the
 * explainer swaps it in live, which the status line shows.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Run the whole pipeline locally: broker + registry, the reference OTNN (or --train, or --model), the "
                    + "stream explainer, and an ingest of Fashion-MNIST test images, with a live status line.",
            "Stops on Ctrl-C or after --duration."
        })
public final class DemoCommand implements Callable<Integer> {

    static final String APPLICATION_ID = "otnn-demo";

    @Mixin
    LoggingMixin logging;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--model",
            paramLabel = "DIR",
            description = "An OTNN checkpoint to serve instead of the reference checkpoint.")
    Path model;

    @Option(
            names = "--train",
            description = "Train the dense OTNN on the data first (--epochs; the sample by default) and serve it "
                    + "instead of the reference checkpoint.")
    boolean train;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "A folder with the official Fashion-MNIST IDX files: ingest its test set (and, with "
                    + "--train, train on all of it: slow on a CPU). Default: the bundled sample (2,000 train and "
                    + "500 test images). The next version the trainer service trains uses it too.")
    Path dataDir;

    @Option(
            names = "--epochs",
            description = "Training epochs with --train (default: ${DEFAULT-VALUE}).",
            defaultValue = "10")
    int epochs;

    @Option(
            names = "--rate",
            description = "Images per second to ingest (default: ${DEFAULT-VALUE}).",
            defaultValue = "50")
    double rate;

    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            description = "Stop after this long (e.g. 90s, 5m, PT2M); default: until Ctrl-C.")
    String duration;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Where pictures and the model go (default: ${DEFAULT-VALUE}).",
            defaultValue = "otnn-demo")
    Path out;

    @Option(
            names = "--pictures",
            description = "How many explanations to draw (default: ${DEFAULT-VALUE}).",
            defaultValue = "8")
    int pictures;

    @Option(
            names = "--counterfactual-t",
            split = ",",
            paramLabel = "T",
            defaultValue = "1,2,5",
            description = "Step factors t > 0 of the counterfactuals drawn in each panel (default: ${DEFAULT-VALUE}).")
    List<Double> pictureTs;

    @Option(
            names = "--dashboard-port",
            paramLabel = "PORT",
            description = "Port of the live dashboard on 127.0.0.1 (default: a free one).")
    int dashboardPort;

    @Option(
            names = "--swap",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Once the first model serves, train its next version with the trainer service and swap it "
                    + "in live (default: ${DEFAULT-VALUE}; --no-swap to serve the first model only).")
    boolean swap;

    @Option(
            names = "--until-swapped",
            description = "Stop as soon as the next version has explained images, --duration at the latest (for "
                    + "scripts that want to see the swap, however long the training takes on the machine).")
    boolean untilSwapped;

    @Option(
            names = "--next-epochs",
            paramLabel = "N",
            defaultValue = "3",
            description = "Epochs of the next version the trainer service trains while the stream runs "
                    + "(default: ${DEFAULT-VALUE}; it shares the machine with the explainer).")
    int nextEpochs;

    private final StopOnSignal stop = new StopOnSignal(Duration.ofSeconds(60));

    @Override
    public Integer call() throws Exception {
        Duration limit = parseDuration();
        if (nextEpochs < 1) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--next-epochs must be at least 1, got " + nextEpochs);
        }
        if (untilSwapped && !swap) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--until-swapped needs the swap: it excludes --no-swap");
        }
        if (train && model != null) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--train and --model exclude each other: train a model or serve one");
        }
        if (rate <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rate must be positive, got " + rate);
        }
        for (double t : pictureTs) {
            if (!(t > 0) || Double.isInfinite(t)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--counterfactual-t values must be finite and > 0, got " + t);
            }
        }
        Logger log = LoggerFactory.getLogger(DemoCommand.class);
        PrintWriter console = spec.commandLine().getOut();
        Files.createDirectories(out);
        Path data = dataDir != null ? dataDir : SampleData.extract(out.resolve("data"));
        stop.install("otnn-demo-shutdown");
        try (LocalStack stack = LocalStack.start()) {
            console.printf(
                    "Local stack: Kafka %s, schema registry %s%n", stack.bootstrapServers(), stack.schemaRegistryUrl());
            console.flush();
            Path checkpoint = model != null ? model : train ? train(data, console) : reference(console);
            ModelMetadata metadata = ModelMetadata.read(checkpoint.resolve(ModelMetadata.FILE_NAME));
            announce(stack, checkpoint, metadata);
            Map<String, float[]> originals = originals(data, metadata);
            try (TrainerService trainer = swap ? startTrainerService(stack) : null;
                    StreamExplainerApp app = StreamExplainerApp.builder()
                            .setProperties(explainerProperties(stack, checkpoint))
                            .build()
                            .start();
                    Dashboard dashboard =
                            Dashboard.start(DashboardConfig.local(stack.bootstrapServers(), stack.schemaRegistryUrl())
                                    .withHttp(DashboardConfig.DEFAULT_BIND, dashboardPort))) {
                if (!app.awaitRunning(Duration.ofSeconds(120))) {
                    throw new IllegalStateException("the stream explainer did not start: " + app.state());
                }
                console.printf(
                        "Explainer running: model %s v%d; ingesting %s at %.0f images/s%s%n",
                        metadata.name(),
                        metadata.version(),
                        data,
                        rate,
                        limit == null ? " (Ctrl-C to stop)" : " for " + limit.toSeconds() + " s");
                console.printf("Dashboard: %s%n", dashboard.url());
                if (trainer != null) {
                    console.printf(
                            "Trainer service: store %s, models served on %s%n",
                            out.resolve("trainer-store").toAbsolutePath(),
                            trainer.httpUrl().orElse("-"));
                }
                app.monitoring()
                        .url()
                        .ifPresent(url -> console.printf(
                                "Explainer health and metrics: %s/health/ready, " + "%s/metrics%n", url, url));
                console.flush();
                AtomicBoolean stopIngest = new AtomicBoolean();
                Thread ingest = new Thread(() -> ingestUntilStopped(stack, data, stopIngest, log), "otnn-demo-ingest");
                ingest.start();
                LiveStatus status;
                try {
                    status = watch(stack, limit, checkpoint, metadata, data, originals, console);
                } finally {
                    stopIngest.set(true);
                    ingest.join(TimeUnit.SECONDS.toMillis(30));
                }
                console.println();
                StringBuilder byVersion = new StringBuilder();
                status.explainedByVersion().entrySet().stream()
                        .sorted(Map.Entry.comparingByKey())
                        .forEach(e -> byVersion
                                .append(byVersion.length() == 0 ? "" : ", ")
                                .append(String.format(java.util.Locale.ROOT, "v%d %,d", e.getKey(), e.getValue())));
                console.printf(
                        "Explained %,d images, %,d dead letters (by model version: %s). Pictures in %s%n",
                        status.explained(),
                        status.deadLetters(),
                        byVersion.length() == 0 ? "none" : byVersion,
                        out.resolve("explanations").toAbsolutePath());
                console.flush();
            }
        } finally {
            stop.stopped();
        }
        return 0;
    }

    private Duration parseDuration() {
        if (duration == null) {
            return null;
        }
        String text = duration.trim().toUpperCase(java.util.Locale.ROOT);
        try {
            Duration parsed = Duration.parse(text.startsWith("P") ? text : "PT" + text);
            if (parsed.isNegative() || parsed.isZero()) {
                throw new IllegalArgumentException();
            }
            return parsed;
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--duration must be a positive duration such as 90s, 5m or PT2M, got '" + duration + "'");
        }
    }

    private Path train(Path data, PrintWriter console) throws IOException {
        console.printf("Training the dense OTNN (hKR-softmax) on %s for %d epoch(s)...%n", data, epochs);
        console.flush();
        long start = System.nanoTime();
        TrainingResult result = new Trainer()
                .train(TrainingConfig.builder()
                        .setDataset("fashion-mnist")
                        .optDataDir(data)
                        .optArchitecture("dense")
                        .setEpochs(epochs)
                        .setOut(out.resolve("model"))
                        .optName("fashion-mnist-dense-otnn-demo")
                        .optProgress(System.out)
                        .build());
        console.printf(
                "Trained in %.0f s: %s%n",
                (System.nanoTime() - start) / 1e9,
                String.format(
                        java.util.Locale.ROOT,
                        "test accuracy %.1f %%",
                        100 * result.metadata().evaluationFigure("testAccuracy")));
        console.flush();
        return result.checkpoint();
    }

    private Path reference(PrintWriter console) throws IOException {
        Path checkpoint = ReferenceModel.extract(out);
        Properties provenance = ReferenceModel.provenance();
        console.printf(
                "Serving the reference checkpoint %s (%s; test accuracy %s on the full Fashion-MNIST test set; "
                        + "--train trains one instead)%n",
                checkpoint,
                provenance.getProperty("summary", "-"),
                String.format(
                        java.util.Locale.ROOT,
                        "%.1f %%",
                        100 * Double.parseDouble(provenance.getProperty("test.accuracy", "NaN"))));
        console.flush();
        return checkpoint;
    }

    /** Announces the first model on otnn.models, so the trainer service gives the next one the next version. */
    private static void announce(LocalStack stack, Path checkpoint, ModelMetadata metadata) throws Exception {
        String digest = CheckpointManifest.read(checkpoint).digest();
        new CheckpointAnnouncer(stack.bootstrapServers(), stack.schemaRegistryUrl(), CheckpointAnnouncer.DEFAULT_TOPIC)
                .announce(CheckpointAnnouncer.event(checkpoint, metadata, digest));
    }

    private TrainerService startTrainerService(LocalStack stack) throws IOException, InterruptedException {
        return TrainerService.builder()
                .kafka(stack.bootstrapServers(), stack.schemaRegistryUrl())
                .store(out.resolve("trainer-store"))
                .httpPort(0)
                .build()
                .start();
    }

    /**
     * The request for the next version of the serving model: the first model's preset, width and loss, another seed,
     * {@code --next-epochs} on the demo's data.
     */
    private String requestNextVersion(LocalStack stack, ModelMetadata metadata, Path data) throws Exception {
        return TrainingRequests.send(
                stack.bootstrapServers(), stack.schemaRegistryUrl(), NextVersion.request(metadata, data, nextEpochs));
    }

    private static Map<String, Object> explainerProperties(LocalStack stack, Path checkpoint) {
        Map<String, Object> props = new HashMap<>();
        props.put(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        // served from the start, then swapped live for each newer version of its name announced on otnn.models
        props.put(ExplainerConfig.MODEL_CONFIG, checkpoint.toString());
        props.put(
                ExplainerConfig.MODEL_CACHE_DIR_CONFIG,
                stack.dataDir().resolve("model-cache").toString());
        props.put(ExplainerConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        // /health and /metrics on a free loopback port, printed with the dashboard's address
        props.put(ExplainerConfig.HTTP_PORT_CONFIG, 0);
        // the trainer service trains beside the explainer on the same cores: the metric windows wait longer for the
        // figures of a stream it slows down
        props.put(ExplainerConfig.METRICS_GRACE_MS_CONFIG, 10_000L);
        // a single-node broker: one replica of everything
        props.put(ExplainerConfig.TOPIC_REPLICATION_FACTOR_CONFIG, "1");
        props.put("replication.factor", "1");
        props.put("state.dir", stack.dataDir().resolve("streams").toString());
        return props;
    }

    /** The model's input for every test image, keyed like the ingest keys them, so pictures can show the original. */
    private static Map<String, float[]> originals(Path data, ModelMetadata metadata) throws IOException {
        IdxDataset test = IdxDataset.readTestSet(data, new ImageDecoder(metadata), 0);
        String prefix = data.toAbsolutePath().normalize().getFileName() + "/t10k/";
        Map<String, float[]> byId = new HashMap<>();
        for (int i = 0; i < test.images().length; i++) {
            byId.put(prefix + i, test.images()[i]);
        }
        return byId;
    }

    private void ingestUntilStopped(LocalStack stack, Path data, AtomicBoolean stop, Logger log) {
        IdxSource test = IdxSource.open(data);
        ImageSource untilStopped = new ImageSource() {
            @Override
            public String describe() {
                return test.describe();
            }

            @Override
            public void forEach(ImageSink sink, java.util.function.Consumer<String> onSkipped) throws IOException {
                test.forEach(image -> !stop.get() && sink.accept(image), onSkipped);
            }
        };
        try (ImagePublisher publisher = ImagePublisher.builder()
                .setBootstrapServers(stack.bootstrapServers())
                .setSchemaRegistryUrl(stack.schemaRegistryUrl())
                .optRate(rate)
                .optWithLabels(true)
                .build()) {
            while (!stop.get()) {
                publisher.publish(List.of(untilStopped), ImagePublisher.Progress.NONE);
            }
        } catch (RuntimeException e) {
            log.error("Ingest stopped: {}", e.getMessage(), e);
        }
    }

    /**
     * Reads explanations and dead letters (read_committed) until the deadline or Ctrl-C, printing the status line; once
     * the first explanation arrives, asks the trainer service for the next version and reports its training and the
     * explainer's swap.
     */
    private LiveStatus watch(
            LocalStack stack,
            Duration limit,
            Path checkpoint,
            ModelMetadata metadata,
            Path data,
            Map<String, float[]> originals,
            PrintWriter console)
            throws Exception {
        LiveStatus status = new LiveStatus(5_000);
        long deadline = limit == null ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
        boolean tty = System.console() != null;
        long lastPrint = 0;
        String request = null;
        boolean swapped = false;
        try (ExplanationPictures drawings = new ExplanationPictures(
                        out.resolve("explanations"),
                        pictures,
                        checkpoint,
                        originals,
                        pictureTs.stream().mapToDouble(Double::doubleValue).toArray());
                SchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(stack.schemaRegistryUrl());
                KafkaConsumer<String, Explanation> explanations = new KafkaConsumer<>(
                        consumerProperties(stack, "explanations"),
                        new StringDeserializer(),
                        AvroSerdes.specific(Explanation.class, registry, false).deserializer());
                KafkaConsumer<byte[], byte[]> deadLetters = new KafkaConsumer<>(
                        consumerProperties(stack, "images.dlq"),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer());
                KafkaConsumer<String, TrainingStatus> training = new KafkaConsumer<>(
                        consumerProperties(stack, "training.status"),
                        new StringDeserializer(),
                        AvroSerdes.specific(TrainingStatus.class, registry, false)
                                .deserializer());
                KafkaConsumer<String, ModelServingStatus> serving = new KafkaConsumer<>(
                        consumerProperties(stack, "models.status"),
                        new StringDeserializer(),
                        AvroSerdes.specific(ModelServingStatus.class, registry, false)
                                .deserializer())) {
            explanations.subscribe(List.of("otnn.explanations"));
            deadLetters.subscribe(List.of("otnn.images.dlq"));
            training.subscribe(List.of("otnn.training.status"));
            serving.subscribe(List.of("otnn.models.status"));
            while (System.nanoTime() < deadline && !stop.await(Duration.ZERO)) {
                for (ConsumerRecord<String, Explanation> record : explanations.poll(Duration.ofMillis(200))) {
                    status.onExplanation(record.value(), System.currentTimeMillis());
                    // the panels re-evaluate counterfactuals with the first model: draw only its explanations
                    if (record.value().getModelVersion() == metadata.version()) {
                        drawings.maybeWrite(record.value());
                    }
                }
                for (ConsumerRecord<byte[], byte[]> ignored : deadLetters.poll(Duration.ZERO)) {
                    status.onDeadLetter();
                }
                if (swap && request == null && status.explained() > 0) {
                    request = requestNextVersion(stack, metadata, data);
                    event(
                            console,
                            tty,
                            String.format(
                                    java.util.Locale.ROOT,
                                    "The explainer serves %s v%d; asked the trainer service for the next version (request %s)",
                                    metadata.name(),
                                    metadata.version(),
                                    request));
                }
                for (ConsumerRecord<String, TrainingStatus> record : training.poll(Duration.ZERO)) {
                    onTraining(record.value(), status, console, tty);
                }
                for (ConsumerRecord<String, ModelServingStatus> record : serving.poll(Duration.ZERO)) {
                    onServing(record.value(), console, tty);
                    swapped |= record.value().getState() == ServingState.SERVING
                            && record.value().getModelVersion() > metadata.version();
                }
                long now = System.currentTimeMillis();
                if (untilSwapped && swapped && explainedByANewerVersion(status, metadata)) {
                    printStatus(console, tty, status, now);
                    event(console, tty, "The next version explains images: stopping (--until-swapped)");
                    break;
                }
                if (now - lastPrint >= 1_000) {
                    lastPrint = now;
                    printStatus(console, tty, status, now);
                }
            }
        }
        return status;
    }

    private static void printStatus(PrintWriter console, boolean tty, LiveStatus status, long now) {
        console.print(tty ? "\r" + status.line(now) + "   " : status.line(now) + System.lineSeparator());
        console.flush();
    }

    private static boolean explainedByANewerVersion(LiveStatus status, ModelMetadata first) {
        return status.explainedByVersion().keySet().stream().anyMatch(version -> version > first.version());
    }

    private static void onTraining(TrainingStatus s, LiveStatus status, PrintWriter console, boolean tty) {
        TrainingJobState state = s.getState();
        switch (state) {
            case QUEUED -> status.training("training queued");
            case RUNNING ->
                status.training(String.format(
                        java.util.Locale.ROOT,
                        "training next version: epoch %d/%d%s",
                        s.getEpoch(),
                        s.getEpochs(),
                        s.getEtaSeconds() == null
                                ? ""
                                : String.format(java.util.Locale.ROOT, ", ETA %.0f s", s.getEtaSeconds())));
            case SUCCEEDED -> {
                status.training("");
                event(
                        console,
                        tty,
                        String.format(
                                java.util.Locale.ROOT,
                                "The trainer service published %s v%d (test accuracy %s) at %s",
                                s.getModelName(),
                                s.getModelVersion(),
                                s.getAccuracy() == null
                                        ? "-"
                                        : String.format(java.util.Locale.ROOT, "%.1f %%", 100 * s.getAccuracy()),
                                s.getCheckpointUri()));
            }
            case FAILED, REJECTED -> {
                status.training("");
                event(
                        console,
                        tty,
                        "The trainer service " + state.name().toLowerCase(java.util.Locale.ROOT) + " the request: "
                                + s.getError());
            }
        }
    }

    private static void onServing(ModelServingStatus s, PrintWriter console, boolean tty) {
        if (s.getState() == ServingState.SERVING) {
            event(
                    console,
                    tty,
                    String.format(
                            java.util.Locale.ROOT,
                            "The explainer swapped to %s v%d in %d ms (fetch, verification, self-test and warm-up)",
                            s.getModelName(),
                            s.getModelVersion(),
                            s.getSwapMs() == null ? -1 : s.getSwapMs()));
        } else {
            event(
                    console,
                    tty,
                    String.format(
                            java.util.Locale.ROOT,
                            "The explainer refused %s v%d and keeps serving v%s: %s",
                            s.getModelName(),
                            s.getModelVersion(),
                            s.getServingVersion(),
                            s.getReason()));
        }
    }

    /** A line of its own between status lines. */
    private static void event(PrintWriter console, boolean tty, String line) {
        console.print((tty ? "\n" : "") + line + System.lineSeparator());
        console.flush();
    }

    private static Properties consumerProperties(LocalStack stack, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(
                ConsumerConfig.GROUP_ID_CONFIG,
                "otnn-demo-watch-" + topic + "-" + ProcessHandle.current().pid());
        // the status topics appear once the trainer service and the explainer first write to them
        props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "2000");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // only explanations whose transaction committed: what a downstream consumer sees
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return props;
    }
}
