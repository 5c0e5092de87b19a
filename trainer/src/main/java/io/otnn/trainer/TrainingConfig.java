package io.otnn.trainer;

import io.otnn.datasets.DataSetNames;
import io.otnn.trainer.losses.LossSpec;
import io.otnn.trainer.model.Presets;
import io.otnn.trainer.train.LearningRateSchedule;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Everything a training run needs. Build with {@link #builder()}: {@code setX} for required values, {@code optX} for
 * optional ones; {@link Builder#build()} validates and fills the paper's defaults (appendix A.2.3) for the data set.
 */
public record TrainingConfig(
        String dataset,
        Path dataDir,
        String architecture,
        boolean constrained,
        double widthMultiplier,
        LossSpec loss,
        int epochs,
        int batchSize,
        LearningRateSchedule schedule,
        long seed,
        double validationFraction,
        int limit,
        int testLimit,
        Path out,
        String name,
        Path stateDir,
        boolean resume,
        PrintStream progress) {

    public static final int DEFAULT_BATCH_SIZE = 128;
    public static final long DEFAULT_SEED = 42;
    public static final double DEFAULT_VALIDATION_FRACTION = 0.1;
    /** Data sets known by name. */
    public static final java.util.List<String> DATASETS = java.util.List.of(
            DataSetNames.FASHION_MNIST,
            DataSetNames.MNIST,
            DataSetNames.FOLDER,
            DataSetNames.BLOCK_MNIST,
            DataSetNames.KOCH);

    public static Builder builder() {
        return new Builder();
    }

    public boolean binary() {
        return loss.kind() == LossSpec.Kind.HKR;
    }

    /** Where the resumable training state lives: {@code stateDir}, or {@code <out>.state} next to the checkpoint. */
    public Path effectiveStateDir() {
        return stateDir != null ? stateDir : out.resolveSibling(out.getFileName() + ".state");
    }

    public static final class Builder {
        private String dataset;
        private Path dataDir;
        private String architecture = "dense";
        private Boolean constrained;
        private Double width;
        private LossSpec.Kind lossKind;
        private Float lambda;
        private Float margin;
        private Float alpha;
        private Integer epochs;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private LearningRateSchedule schedule;
        private long seed = DEFAULT_SEED;
        private double validationFraction = DEFAULT_VALIDATION_FRACTION;
        private int limit = Integer.MAX_VALUE;
        private int testLimit = Integer.MAX_VALUE;
        private Path out;
        private String name;
        private Path stateDir;
        private boolean resume;
        private PrintStream progress;

        public Builder setDataset(String dataset) {
            this.dataset = dataset;
            return this;
        }

        public Builder optDataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder optArchitecture(String architecture) {
            this.architecture = architecture;
            return this;
        }

        public Builder optConstrained(Boolean constrained) {
            this.constrained = constrained;
            return this;
        }

        public Builder optWidthMultiplier(Double width) {
            this.width = width;
            return this;
        }

        public Builder optLoss(LossSpec.Kind kind) {
            this.lossKind = kind;
            return this;
        }

        public Builder optLambda(Float lambda) {
            this.lambda = lambda;
            return this;
        }

        public Builder optMargin(Float margin) {
            this.margin = margin;
            return this;
        }

        public Builder optAlpha(Float alpha) {
            this.alpha = alpha;
            return this;
        }

        public Builder setEpochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder optSchedule(LearningRateSchedule schedule) {
            this.schedule = schedule;
            return this;
        }

        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder optValidationFraction(double f) {
            this.validationFraction = f;
            return this;
        }

        public Builder optLimit(int limit) {
            this.limit = limit;
            return this;
        }

        public Builder optTestLimit(int testLimit) {
            this.testLimit = testLimit;
            return this;
        }

        public Builder setOut(Path out) {
            this.out = out;
            return this;
        }

        public Builder optName(String name) {
            this.name = name;
            return this;
        }

        public Builder optStateDir(Path stateDir) {
            this.stateDir = stateDir;
            return this;
        }

        public Builder optResume(boolean resume) {
            this.resume = resume;
            return this;
        }

        public Builder optProgress(PrintStream progress) {
            this.progress = progress;
            return this;
        }

        public TrainingConfig build() {
            if (dataset == null) throw new IllegalArgumentException("dataset is required, one of " + DATASETS);
            String ds = dataset.toLowerCase(Locale.ROOT);
            if (!DATASETS.contains(ds))
                throw new IllegalArgumentException(
                        "unknown data set '" + dataset + "', valid: " + String.join(", ", DATASETS));
            if (out == null) throw new IllegalArgumentException("out (the checkpoint directory) is required");
            if (epochs == null) throw new IllegalArgumentException("epochs is required");
            if (epochs < 1 || epochs > 100_000)
                throw new IllegalArgumentException("epochs must be in [1, 100000], got " + epochs);
            if (batchSize < 1 || batchSize > 65_536)
                throw new IllegalArgumentException("batch size must be in [1, 65536], got " + batchSize);
            if (limit < 1) throw new IllegalArgumentException("limit must be >= 1, got " + limit);
            if (testLimit < 1) throw new IllegalArgumentException("test limit must be >= 1, got " + testLimit);
            boolean binaryData = ds.equals("koch") || ds.equals("block-mnist");
            boolean recipe = architecture.equalsIgnoreCase("cnn") || architecture.equalsIgnoreCase("cnn-soc");
            LossSpec.Kind kind = lossKind != null
                    ? lossKind
                    : binaryData
                            ? LossSpec.Kind.HKR
                            : recipe && !Boolean.FALSE.equals(constrained)
                                    ? LossSpec.Kind.HKR_SOFT
                                    : LossSpec.Kind.HKR_SOFTMAX;
            // cross-entropy fits both: softmax over K logits, or the logistic loss of one (Losses.crossEntropy)
            if (kind != LossSpec.Kind.CROSS_ENTROPY && binaryData != (kind == LossSpec.Kind.HKR)) {
                throw new IllegalArgumentException(
                        binaryData
                                ? "data set " + ds + " is binary: use --loss hkr (or cross-entropy for the "
                                        + "unconstrained twin)"
                                : "--loss hkr is the binary loss; data set " + ds
                                        + " has several classes: use hkr-multiclass, hkr-softmax or cross-entropy");
            }
            // paper A.2.3: Fashion-MNIST λ = 5, m = 0.5, α = 10; the binary toy problems use the same λ and m;
            // hkr-soft: deel-lip demo 4's λ = 50, m = 0.2, α (temperature) = 10.
            LossSpec defaults = LossSpec.of(kind);
            LossSpec loss = new LossSpec(
                    kind,
                    lambda != null ? lambda : defaults.lambda(),
                    margin != null ? margin : defaults.margin(),
                    alpha != null ? alpha : defaults.alpha());
            boolean lip = constrained != null ? constrained : kind.lipschitz();
            if (kind.lipschitz() && !lip)
                throw new IllegalArgumentException("the hKR losses need the constrained (1-Lipschitz) network");
            double w = width != null ? width : Presets.defaultWidth(architecture);
            LearningRateSchedule s = schedule != null
                    ? schedule
                    : LearningRateSchedule.parse(
                            recipe ? LearningRateSchedule.DEMO4 : LearningRateSchedule.FASHION_MNIST);
            String n = name != null
                    ? name
                    : ds + "-" + architecture.toLowerCase(Locale.ROOT) + (lip ? "-otnn" : "-baseline");
            if (!n.matches("[A-Za-z0-9._-]{1,100}"))
                throw new IllegalArgumentException("name must match [A-Za-z0-9._-]{1,100}, got '" + n + "'");
            if (!(validationFraction >= 0 && validationFraction < 1)) {
                throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + validationFraction);
            }
            return new TrainingConfig(
                    ds,
                    dataDir,
                    architecture.toLowerCase(Locale.ROOT),
                    lip,
                    w,
                    loss,
                    epochs,
                    batchSize,
                    s,
                    seed,
                    validationFraction,
                    limit,
                    testLimit,
                    out,
                    n,
                    stateDir,
                    resume,
                    progress);
        }
    }
}
