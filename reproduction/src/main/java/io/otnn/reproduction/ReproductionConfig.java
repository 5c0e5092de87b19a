package io.otnn.reproduction;

import io.otnn.datasets.IdxReader;
import io.otnn.reproduction.models.ModelRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code otnn reproduce} runs. Build with {@link #builder()}; {@link Builder#build()} checks every value (an
 * {@link IllegalArgumentException} whose message is one line) and fills the defaults, those of {@code --quick} when it
 * is set.
 *
 * @param dataDir     holds {@code fashion-mnist/} (IDX, required) and {@code mnist/} (IDX, for BlockMNIST)
 * @param out         the report's directory: {@code report.md}, {@code report.json}, the PNGs, {@code models/}
 * @param epochs      epochs of every Fashion-MNIST training (BlockMNIST: at least 5)
 * @param limit       training images of each Fashion-MNIST and BlockMNIST training ({@link Integer#MAX_VALUE}: all)
 * @param testLimit   test images of the trainer's evaluation (accuracy, ‖∇f‖) ({@link Integer#MAX_VALUE}: all)
 * @param n           test images of the explanation metrics (Tables 1, 8, 10, 11; the paper uses 1,000)
 * @param width       the cnn's width multiplier, or null for the trainer's default
 * @param seed        seeds every training and every metric
 * @param eq4         the presets whose Eq. 4 twin is trained for Table 6
 * @param models      checkpoints to reuse, by role ({@code --model ROLE=PATH})
 * @param modelsDir   a folder of checkpoints named after the roles (an earlier run's {@code OUT/models}), or null
 * @param skip        roles neither trained nor measured (their cells read "not measured")
 * @param commandLine the command as typed, for the report
 */
public record ReproductionConfig(
        Path dataDir,
        Path out,
        boolean quick,
        int epochs,
        int limit,
        int testLimit,
        int n,
        Double width,
        long seed,
        Set<String> eq4,
        Map<ModelRole, Path> models,
        Path modelsDir,
        Set<ModelRole> skip,
        String commandLine) {

    public static final int DEFAULT_EPOCHS = 2;
    public static final int DEFAULT_N = 1000;
    public static final long DEFAULT_SEED = 42;
    public static final int QUICK_EPOCHS = 1;
    public static final int QUICK_LIMIT = 2000;
    public static final int QUICK_TEST_LIMIT = 500;
    public static final int QUICK_N = 20;
    public static final double QUICK_WIDTH = 0.125;

    public Path fashionMnistDir() {
        return dataDir.resolve("fashion-mnist");
    }

    public Path mnistDir() {
        return dataDir.resolve("mnist");
    }

    /** Whether D holds MNIST (BlockMNIST is built from it). */
    public boolean hasMnist() {
        return hasIdx(mnistDir());
    }

    /** The roles this run needs, in the order they are obtained. */
    public Set<ModelRole> roles() {
        Set<ModelRole> roles = EnumSet.of(
                ModelRole.DENSE_OTNN,
                ModelRole.DENSE_BASELINE,
                ModelRole.CNN_OTNN,
                ModelRole.CNN_BASELINE,
                ModelRole.KOCH,
                ModelRole.BLOCK_MNIST,
                ModelRole.BLOCK_MNIST_BASELINE);
        if (eq4.contains("dense")) roles.add(ModelRole.DENSE_EQ4);
        if (eq4.contains("cnn")) roles.add(ModelRole.CNN_EQ4);
        roles.removeAll(skip);
        for (ModelRole block : List.of(ModelRole.BLOCK_MNIST, ModelRole.BLOCK_MNIST_BASELINE)) {
            if (!hasMnist() && !models.containsKey(block)) roles.remove(block);
        }
        return roles;
    }

    public static Builder builder() {
        return new Builder();
    }

    static boolean hasIdx(Path dir) {
        return Files.isDirectory(dir)
                && IdxReader.findOrNull(dir, "t10k-images-idx3-ubyte") != null
                && IdxReader.findOrNull(dir, "train-images-idx3-ubyte") != null;
    }

    public static final class Builder {
        private Path dataDir;
        private Path out;
        private boolean quick;
        private Integer epochs;
        private Integer limit;
        private Integer testLimit;
        private Integer n;
        private Double width;
        private long seed = DEFAULT_SEED;
        private String eq4 = "dense";
        private final Map<ModelRole, Path> models = new EnumMap<>(ModelRole.class);
        private Path modelsDir;
        private final Set<ModelRole> skip = EnumSet.noneOf(ModelRole.class);
        private String commandLine = "";

        public Builder setDataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder setOut(Path out) {
            this.out = out;
            return this;
        }

        public Builder optQuick(boolean quick) {
            this.quick = quick;
            return this;
        }

        public Builder optEpochs(Integer epochs) {
            this.epochs = epochs;
            return this;
        }

        public Builder optLimit(Integer limit) {
            this.limit = limit;
            return this;
        }

        public Builder optTestLimit(Integer testLimit) {
            this.testLimit = testLimit;
            return this;
        }

        public Builder optN(Integer n) {
            this.n = n;
            return this;
        }

        public Builder optWidth(Double width) {
            this.width = width;
            return this;
        }

        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** dense (default), cnn, both or none. */
        public Builder optEq4(String eq4) {
            this.eq4 = eq4;
            return this;
        }

        /** {@code ROLE=PATH}. */
        public Builder optModel(String spec) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new IllegalArgumentException(
                        "--model takes ROLE=PATH (roles: " + ModelRole.names() + "), got '" + spec + "'");
            }
            ModelRole role = ModelRole.fromCli(spec.substring(0, eq));
            Path path = Path.of(spec.substring(eq + 1));
            if (!Files.exists(path)) {
                throw new IllegalArgumentException("--model " + role.cliName() + ": " + path + " does not exist");
            }
            if (models.put(role, path) != null) {
                throw new IllegalArgumentException("--model " + role.cliName() + " is given twice");
            }
            return this;
        }

        public Builder optModelsDir(Path modelsDir) {
            this.modelsDir = modelsDir;
            return this;
        }

        public Builder optSkip(String role) {
            skip.add(ModelRole.fromCli(role));
            return this;
        }

        public Builder optCommandLine(String commandLine) {
            this.commandLine = commandLine == null ? "" : commandLine;
            return this;
        }

        public ReproductionConfig build() {
            if (dataDir == null) throw new IllegalArgumentException("--data-dir is required");
            if (!Files.isDirectory(dataDir)) {
                throw new IllegalArgumentException("--data-dir " + dataDir + " is not a directory");
            }
            if (!hasIdx(dataDir.resolve("fashion-mnist"))) {
                throw new IllegalArgumentException("--data-dir " + dataDir
                        + " has no fashion-mnist/ with train- and t10k-images-idx3-ubyte[.gz] (and their labels)");
            }
            if (out == null) throw new IllegalArgumentException("--out is required");
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new IllegalArgumentException("--out " + out + " exists and is not a directory");
            }
            if (modelsDir != null && !Files.isDirectory(modelsDir)) {
                throw new IllegalArgumentException("--models " + modelsDir + " is not a directory");
            }
            int e = epochs != null ? epochs : quick ? QUICK_EPOCHS : DEFAULT_EPOCHS;
            if (e < 1 || e > 1000) throw new IllegalArgumentException("--epochs must be in [1, 1000], got " + e);
            int l = limit != null ? limit : quick ? QUICK_LIMIT : Integer.MAX_VALUE;
            if (l < 10) throw new IllegalArgumentException("--limit must be >= 10, got " + l);
            int tl = testLimit != null ? testLimit : quick ? QUICK_TEST_LIMIT : Integer.MAX_VALUE;
            if (tl < 10) throw new IllegalArgumentException("--test-limit must be >= 10, got " + tl);
            int images = n != null ? n : quick ? QUICK_N : DEFAULT_N;
            if (images < 2 || images > 10_000) {
                throw new IllegalArgumentException("--n must be in [2, 10000], got " + images);
            }
            Double w = width != null ? width : quick ? Double.valueOf(QUICK_WIDTH) : null;
            if (w != null && !(w > 0 && w <= 8)) {
                throw new IllegalArgumentException("--width must be in (0, 8], got " + w);
            }
            Set<String> eq4Presets = switch (eq4 == null ? "" : eq4) {
                case "dense" -> Set.of("dense");
                case "cnn" -> Set.of("cnn");
                case "both" -> Set.of("dense", "cnn");
                case "none" -> Set.of();
                default ->
                    throw new IllegalArgumentException("--eq4 must be dense, cnn, both or none, got '" + eq4 + "'");
            };
            return new ReproductionConfig(
                    dataDir,
                    out,
                    quick,
                    e,
                    l,
                    tl,
                    images,
                    w,
                    seed,
                    eq4Presets,
                    Collections.unmodifiableMap(new EnumMap<>(models)),
                    modelsDir,
                    Collections.unmodifiableSet(EnumSet.copyOf(skip)),
                    commandLine);
        }
    }
}
