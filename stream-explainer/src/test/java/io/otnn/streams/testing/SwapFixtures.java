package io.otnn.streams.testing;

import com.sun.net.httpserver.HttpServer;
import io.otnn.avro.ModelCheckpoint;
import io.otnn.avro.ModelServingStatus;
import io.otnn.avro.Task;
import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.checkpoint.ModelStoreHttp;
import io.otnn.explain.testing.CheckpointFixtures;
import io.otnn.explain.testing.FixtureModel;
import io.otnn.explain.testing.Fixtures;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.serde.AvroDeserializer;
import io.otnn.schemas.serde.AvroSerializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The checkpoints and announcements of the live-swap tests: further versions of explain-core's dense fixture
 * ({@code fixture-dense}, 28×28×1, 784-256-256-10) with other random 1-Lipschitz weights, a checkpoint of the same
 * name on another input shape, and one whose weights break the Lipschitz constant its metadata claims; the
 * {@code ModelCheckpoint} of a checkpoint as the trainer announces it; a JDK HTTP server that serves checkpoints as
 * the trainer service's store does ({@link ModelStoreHttp}).
 */
public final class SwapFixtures {

    /** The name of explain-core's dense fixture, which every version here shares. */
    public static final String NAME = "fixture-dense";

    private static final Map<String, Path> BUILT = new ConcurrentHashMap<>();
    private static Path root;

    private SwapFixtures() {}

    /** Version 1 is explain-core's dense fixture; any other version is the same shape with weights from its seed. */
    public static Path dense(int version) {
        if (version == 1) {
            return Fixtures.denseMnist();
        }
        return dense(NAME, version);
    }

    /**
     * Version {@code version} of model {@code name}: the dense fixture's shape with weights from the version's seed
     * (the shadow tests follow {@code fixture-dense-other}, whose v1 is {@link Fixtures#denseMnistOther()}).
     */
    public static Path dense(String name, int version) {
        return build(name + "-v" + version, () -> {
            FixtureModel model =
                    FixtureModel.random(100 + version, FixtureModel.Activation.GROUP_SORT_2, 784, 256, 256, 10);
            return new Built(model, metadata(name, model, Fixtures.MNIST_INPUT, version, 1.0));
        });
    }

    /** A checkpoint of {@link #NAME} on the 6×5×2 input: the wrong shape for the dense fixture's stream. */
    public static Path wrongShape(int version) {
        return wrongShape(NAME, version);
    }

    /** A checkpoint of model {@code name} on the 6×5×2 input. */
    public static Path wrongShape(String name, int version) {
        return build(name + "-wrong-shape-v" + version, () -> {
            FixtureModel model = Fixtures.linearModel();
            return new Built(model, metadata(name, model, Fixtures.SMALL_INPUT, version, 1.0));
        });
    }

    /**
     * A linear checkpoint of {@link #NAME} on 28×28×1 whose rows have norm 3 while its metadata claims L = 1: every
     * loading check passes, its self-test does not.
     */
    public static Path tooSteep(int version) {
        return build("too-steep-v" + version, () -> {
            Random random = new Random(9);
            float[][] w = new float[784][10];
            double[] norms = new double[10];
            for (float[] row : w) {
                for (int k = 0; k < 10; k++) {
                    row[k] = (float) random.nextGaussian();
                    norms[k] += row[k] * row[k];
                }
            }
            for (float[] row : w) {
                for (int k = 0; k < 10; k++) {
                    row[k] = (float) (3.0 * row[k] / Math.sqrt(norms[k]));
                }
            }
            FixtureModel model = FixtureModel.linear(w, new float[10]);
            return new Built(model, metadata(NAME, model, Fixtures.MNIST_INPUT, version, 1.0));
        });
    }

    private record Built(FixtureModel model, ModelMetadata metadata) {}

    private static ModelMetadata metadata(
            String name, FixtureModel model, ModelMetadata.Input input, int version, double l) {
        ModelMetadata m = CheckpointFixtures.metadata(name, model, input, l);
        return new ModelMetadata(
                m.formatVersion(),
                m.name(),
                version,
                m.createdAt().plusSeconds(version),
                m.task(),
                m.classNames(),
                m.input(),
                m.lipschitzConstant(),
                m.certificateFactor(),
                m.architecture(),
                m.loss(),
                m.training(),
                m.evaluation(),
                m.reference());
    }

    private static synchronized Path build(String name, java.util.function.Supplier<Built> spec) {
        Path built = BUILT.get(name);
        if (built != null) {
            return built;
        }
        try {
            if (root == null) {
                root = Files.createTempDirectory("otnn-swap-fixtures-");
            }
            Built b = spec.get();
            Path dir = CheckpointFixtures.export(root.resolve(name), b.model(), b.metadata());
            BUILT.put(name, dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The announcement of {@code checkpoint} at {@code uri}, as the trainer makes it (metadata and digest). */
    public static ModelCheckpoint event(Path checkpoint, String uri) {
        ModelMetadata m = ModelMetadata.read(checkpoint.resolve(ModelMetadata.FILE_NAME));
        return ModelCheckpoint.newBuilder()
                .setModelName(m.name())
                .setVersion(m.version())
                .setUri(uri)
                .setManifestDigest(CheckpointManifest.read(checkpoint).digest())
                .setTask(m.task() == ModelMetadata.Task.BINARY ? Task.BINARY : Task.MULTICLASS)
                .setClassNames(m.classNames())
                .setInputShape(m.input().shape())
                .setLipschitzConstant(m.lipschitzConstant())
                .setCertificateFactor(m.certificateFactor())
                .setTestAccuracy(null)
                .setCertifiedAccuracy(List.of())
                .setCreatedTime(m.createdAt())
                .build();
    }

    public static ModelCheckpoint event(Path checkpoint) {
        return event(checkpoint, checkpoint.toUri().toString());
    }

    /** Sends {@code event} on {@code topic} (key: model name) and waits for the acknowledgement. */
    public static void announce(String bootstrap, SchemaRegistryClient registry, String topic, ModelCheckpoint event)
            throws Exception {
        try (KafkaProducer<String, ModelCheckpoint> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(),
                new AvroSerializer<>(registry))) {
            producer.send(new ProducerRecord<>(topic, event.getModelName(), event))
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /** The serving statuses on {@code topic} (read_committed) once {@code done} holds, within {@code timeout}. */
    public static List<ModelServingStatus> statuses(
            String bootstrap,
            SchemaRegistryClient registry,
            String topic,
            Predicate<List<ModelServingStatus>> done,
            Duration timeout) {
        return KafkaTestClients.readCommitted(
                        bootstrap,
                        topic,
                        new StringDeserializer(),
                        new AvroDeserializer<>(registry, ModelServingStatus.class, ModelServingStatus.getClassSchema()),
                        read -> done.test(
                                read.stream().map(ConsumerRecord::value).toList()),
                        timeout,
                        Duration.ZERO)
                .stream()
                .map(ConsumerRecord::value)
                .toList();
    }

    /** Changes one byte of the first file under {@code variables/} of a copy of a checkpoint. */
    public static void tamperVariables(Path checkpoint) throws IOException {
        Path variables;
        try (Stream<Path> files = Files.list(checkpoint.resolve("variables"))) {
            variables = files.filter(Files::isRegularFile).sorted().findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(variables);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(variables, bytes);
    }

    /** The directory as a gzip-compressed tar, as the model store serves it. */
    public static byte[] tarGz(Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes));
                Stream<Path> walk = Files.walk(dir)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
                if (!Files.isRegularFile(p)) {
                    continue;
                }
                TarArchiveEntry entry =
                        new TarArchiveEntry(p.toFile(), dir.relativize(p).toString());
                tar.putArchiveEntry(entry);
                Files.copy(p, tar);
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    /**
     * A loopback HTTP server that answers {@code GET /models/{name}/{version}.tar.gz} with the checkpoint's archive and
     * its manifest digest in {@link ModelStoreHttp#MANIFEST_DIGEST_HEADER} (or the digest given), 404 otherwise.
     */
    public static final class Store implements AutoCloseable {
        private final HttpServer server;
        private final Map<String, byte[]> archives = new ConcurrentHashMap<>();
        private final Map<String, String> digests = new ConcurrentHashMap<>();
        private final java.util.concurrent.atomic.AtomicInteger requests =
                new java.util.concurrent.atomic.AtomicInteger();

        public Store() throws IOException {
            this(0);
        }

        /** @param delayMs how long each answer waits before it starts (a slow store: a swap that takes a while) */
        public Store(long delayMs) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
            server.createContext("/models/", exchange -> {
                requests.incrementAndGet();
                if (delayMs > 0) {
                    try {
                        Thread.sleep(delayMs); // the store's slowness, not a synchronisation
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                String path = exchange.getRequestURI().getPath();
                byte[] body = archives.get(path);
                if (body == null) {
                    exchange.sendResponseHeaders(404, -1);
                    exchange.close();
                    return;
                }
                exchange.getResponseHeaders().add("Content-Type", "application/gzip");
                exchange.getResponseHeaders().add(ModelStoreHttp.MANIFEST_DIGEST_HEADER, digests.get(path));
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
        }

        /** Serves {@code checkpoint} and returns its URI. */
        public String serve(Path checkpoint, String headerDigest) throws IOException {
            ModelMetadata m = ModelMetadata.read(checkpoint.resolve(ModelMetadata.FILE_NAME));
            String path = ModelStoreHttp.path(m.name(), m.version());
            archives.put(path, tarGz(checkpoint));
            digests.put(
                    path,
                    headerDigest != null
                            ? headerDigest
                            : CheckpointManifest.read(checkpoint).digest());
            return "http://127.0.0.1:" + server.getAddress().getPort() + path;
        }

        public int requests() {
            return requests.get();
        }

        /** Waits (at most {@code timeout}) until the store has been asked {@code count} times. */
        public boolean awaitRequests(int count, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (requests.get() < count) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(10);
            }
            return true;
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
