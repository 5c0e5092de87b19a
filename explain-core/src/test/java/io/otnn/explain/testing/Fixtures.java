package io.otnn.explain.testing;

import io.otnn.checkpoint.ModelMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fixture checkpoints the tests share, built once per JVM (exporting a SavedModel takes about a second). Each is a
 * fresh copy-free directory: tests that tamper with a checkpoint must {@link #copy} it first.
 */
public final class Fixtures {

    /** A non-square, two-channel input, so layout mistakes show. */
    public static final ModelMetadata.Input SMALL_INPUT =
            new ModelMetadata.Input(java.util.List.of(6, 5, 2), 0.0, 1.0, 1.0 / 255.0, 0.0);

    public static final ModelMetadata.Input MNIST_INPUT = ModelMetadata.Input.unitRange(28, 28, 1);

    private static final Map<String, Path> BUILT = new ConcurrentHashMap<>();
    private static final Map<String, FixtureModel> MODELS = new ConcurrentHashMap<>();
    private static Path root;

    private Fixtures() {}

    /** Linear multiclass model on {@link #SMALL_INPUT} with 4 classes. */
    public static FixtureModel linearModel() {
        return MODELS.computeIfAbsent("linear", k -> {
            Random random = new Random(7);
            float[][] w = new float[SMALL_INPUT.size()][4];
            for (float[] row : w) for (int o = 0; o < 4; o++) row[o] = (float) (0.3 * random.nextGaussian());
            float[] b = {0.1f, -0.2f, 0.05f, 0.0f};
            return FixtureModel.linear(w, b);
        });
    }

    /** Linear binary model (one logit) on {@link #SMALL_INPUT}. */
    public static FixtureModel binaryLinearModel() {
        return MODELS.computeIfAbsent("binary", k -> {
            Random random = new Random(11);
            float[][] w = new float[SMALL_INPUT.size()][1];
            for (float[] row : w) row[0] = (float) (0.3 * random.nextGaussian());
            return FixtureModel.linear(w, new float[] {-0.1f});
        });
    }

    /** A 2-hidden-layer GroupSort network 60-32-32-5 with 1-Lipschitz layers. */
    public static FixtureModel groupSortModel() {
        return MODELS.computeIfAbsent(
                "groupsort",
                k -> FixtureModel.random(3, FixtureModel.Activation.GROUP_SORT_2, SMALL_INPUT.size(), 32, 32, 5));
    }

    /** An abs-activation network 60-16-3. */
    public static FixtureModel absModel() {
        return MODELS.computeIfAbsent(
                "abs", k -> FixtureModel.random(5, FixtureModel.Activation.ABS, SMALL_INPUT.size(), 16, 3));
    }

    /** The prototype's dense OTNN shape 784-256-256-10 (random 1-Lipschitz weights) on 28×28×1. */
    public static FixtureModel denseMnistModel() {
        return MODELS.computeIfAbsent(
                "dense", k -> FixtureModel.random(42, FixtureModel.Activation.GROUP_SORT_2, 784, 256, 256, 10));
    }

    /**
     * The same shape as {@link #denseMnistModel()} with other random weights: a second checkpoint of the same input
     * contract (a shadow model to compare with the first).
     */
    public static FixtureModel denseMnistOtherModel() {
        return MODELS.computeIfAbsent(
                "dense-other", k -> FixtureModel.random(43, FixtureModel.Activation.GROUP_SORT_2, 784, 256, 256, 10));
    }

    /** A binary GroupSort network 1568-16-1 on BlockMNIST's 56×28×1 input. */
    public static FixtureModel blockMnistModel() {
        return MODELS.computeIfAbsent(
                "block", k -> FixtureModel.random(13, FixtureModel.Activation.GROUP_SORT_2, 56 * 28, 16, 1));
    }

    public static Path blockMnist() {
        return build("block", blockMnistModel(), ModelMetadata.Input.unitRange(56, 28, 1));
    }

    public static Path linear() {
        return build("linear", linearModel(), SMALL_INPUT);
    }

    public static Path binaryLinear() {
        return build("binary", binaryLinearModel(), SMALL_INPUT);
    }

    public static Path groupSort() {
        return build("groupsort", groupSortModel(), SMALL_INPUT);
    }

    public static Path abs() {
        return build("abs", absModel(), SMALL_INPUT);
    }

    public static Path denseMnist() {
        return build("dense", denseMnistModel(), MNIST_INPUT);
    }

    /** {@link #denseMnistOtherModel()} as checkpoint {@code fixture-dense-other} v1 on 28×28×1. */
    public static Path denseMnistOther() {
        return build("dense-other", denseMnistOtherModel(), MNIST_INPUT);
    }

    private static synchronized Path build(String name, FixtureModel model, ModelMetadata.Input input) {
        Path built = BUILT.get(name);
        if (built != null) return built;
        try {
            if (root == null) {
                root = Files.createTempDirectory("otnn-fixtures-");
                Path created = root;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(created)));
            }
            Path dir = root.resolve(name);
            CheckpointFixtures.export(dir, model, CheckpointFixtures.metadata("fixture-" + name, model, input, 1.0));
            BUILT.put(name, dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: best effort
        }
    }

    /** A private copy of a checkpoint directory, for tests that change it. */
    public static Path copy(Path checkpoint, Path target) throws IOException {
        try (var walk = Files.walk(checkpoint)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path out = target.resolve(checkpoint.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(out);
                else Files.copy(p, out);
            }
        }
        return target;
    }

    /** {@code n} seeded images uniform in [0, 1]. */
    public static float[][] images(long seed, int n, int size) {
        Random random = new Random(seed);
        float[][] out = new float[n][size];
        for (float[] image : out) for (int i = 0; i < size; i++) image[i] = random.nextFloat();
        return out;
    }
}
