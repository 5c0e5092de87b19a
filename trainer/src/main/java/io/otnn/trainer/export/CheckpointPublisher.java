package io.otnn.trainer.export;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.otnn.explain.checkpoint.CheckpointManifest;
import io.otnn.explain.checkpoint.ModelMetadata;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.data.DataSplits;
import io.otnn.trainer.data.Dataset;
import io.otnn.trainer.eval.Evaluation;
import io.otnn.trainer.eval.Evaluator;
import io.otnn.trainer.eval.ModelRunner;
import io.otnn.trainer.layers.Param;
import io.otnn.trainer.model.Architecture;
import io.otnn.trainer.train.TrainingGraph;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Export → reload → verify → describe → seal → publish. The SavedModel is written to a staging directory next to the
 * destination and reloaded; its logits must equal the training graph's on a test batch and every input gradient must
 * respect the Lipschitz bound (‖∇ₓ f_top1‖ ≤ L(1 + 1e-3), ‖∇ₓ (f_top1 − f_top2)‖ ≤ c·L(1 + 5e-3)); otherwise nothing is
 * published. The evaluation is computed on the reloaded model, through its own signatures. Then
 * {@code otnn-model.json} and {@code MANIFEST.sha256} are written with explain-core's classes and the staging
 * directory replaces the destination.
 */
public final class CheckpointPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointPublisher.class);

    /** Relative tolerance of the gradient-norm check (the Björck stop criterion leaves ~1e-3). */
    public static final double GRADIENT_TOLERANCE = 1e-3;
    /**
     * Relative tolerance of the margin-gradient check ‖∇(f_top1 − f_top2)‖ ≤ c·L. It compounds the residual of every
     * Björck-normalised layer along two output directions: a 3-epoch dense OTNN on full Fashion-MNIST measured
     * 1.4166 = √2 · 1.0017 while its ‖∇f_top1‖ stayed ≤ 1.0001, so 1e-3 refused sound models.
     */
    public static final double MARGIN_GRADIENT_TOLERANCE = 5e-3;
    /** Logits of the reloaded model must match the training graph's within this (absolute, + relative) tolerance. */
    public static final double LOGIT_TOLERANCE = 1e-4;
    public static final int CHECK_BATCH = 256;

    private CheckpointPublisher() {
    }

    public record Published(Path dir, ModelMetadata metadata, Evaluation evaluation, String manifestDigest) {
    }

    public static Published publish(TrainingGraph graph, TrainingConfig config, DataSplits data, ObjectNode trainingInfo)
            throws IOException {
        Architecture arch = graph.architecture();
        graph.condense();
        List<List<Param>> params = graph.frozenParameters();
        int logits = graph.logitCount();
        double lipschitz = 1.0;
        ArrayNode perLayer = ModelMetadata.object().arrayNode();
        if (!arch.constrained()) {
            for (int i = 0; i < arch.layers().size(); i++) {
                double l = arch.layers().get(i).lipschitzBound(params.get(i));
                perLayer.add(l);
                lipschitz *= l;
            }
        }
        double c = arch.certificateFactor(logits);
        Path out = config.out().toAbsolutePath();
        Files.createDirectories(out.getParent());
        Path staging = Files.createTempDirectory(out.getParent(), "." + out.getFileName() + ".staging-");
        try {
            CheckpointExporter.writeSavedModel(staging, arch, params, graph.inputShape(), logits);
            Evaluation evaluation;
            try (SavedModelRunner reloaded = new SavedModelRunner(staging, graph.inputShape(), logits)) {
                checkLogits(graph, reloaded, data.test());
                evaluation = Evaluator.evaluate(reloaded, data.test(), lipschitz, c, data.test().binary());
            }
            checkGradients(evaluation, lipschitz, c, logits);
            int version = nextVersion(out, config.name());
            ModelMetadata metadata = metadata(config, data, arch, lipschitz, c, perLayer, evaluation, trainingInfo, version);
            metadata.write(staging.resolve(ModelMetadata.FILE_NAME));
            CheckpointManifest manifest = CheckpointManifest.write(staging);
            replace(staging, out);
            LOG.info("published {} version {} to {} (manifest {})", config.name(), version, out, manifest.digest());
            return new Published(out, metadata, evaluation, manifest.digest());
        } finally {
            if (Files.exists(staging)) deleteTree(staging);
        }
    }

    static void checkLogits(ModelRunner training, ModelRunner reloaded, Dataset test) {
        int n = Math.min(CHECK_BATCH, test.size());
        float[] x = Arrays.copyOf(test.images(), n * test.imageSize());
        float[] a = training.logits(x, n);
        float[] b = reloaded.logits(x, n);
        for (int i = 0; i < a.length; i++) {
            if (!(Math.abs(a[i] - b[i]) <= LOGIT_TOLERANCE * (1 + Math.abs(a[i])))) {
                throw new PublishRefusedException("the reloaded SavedModel's logit " + i + " is " + b[i]
                        + " but the training graph's is " + a[i] + ": refusing to publish");
            }
        }
    }

    static void checkGradients(Evaluation e, double lipschitz, double c, int logits) {
        double bound = lipschitz * (1 + GRADIENT_TOLERANCE);
        if (!(e.gradientNorm()[2] <= bound)) {
            throw new PublishRefusedException(String.format(Locale.ROOT,
                    "max ‖∇ₓ f_top1‖ = %.6f on the test images exceeds L(1 + 1e-3) = %.6f: refusing to publish", e.gradientNorm()[2], bound));
        }
        double marginBound = c * lipschitz * (1 + MARGIN_GRADIENT_TOLERANCE);
        if (logits > 1 && !(e.maxMarginGradient() <= marginBound)) {
            throw new PublishRefusedException(String.format(Locale.ROOT,
                    "max ‖∇ₓ (f_top1 − f_top2)‖ = %.6f exceeds c·L(1 + 5e-3) = %.6f: refusing to publish", e.maxMarginGradient(), marginBound));
        }
    }

    static int nextVersion(Path out, String name) {
        Path meta = out.resolve(ModelMetadata.FILE_NAME);
        if (Files.isRegularFile(meta)) {
            try {
                ModelMetadata old = ModelMetadata.read(meta);
                if (name.equals(old.name())) return old.version() + 1;
            } catch (RuntimeException e) {
                LOG.warn("ignoring the unreadable previous metadata {}: {}", meta, e.getMessage());
            }
        }
        return 1;
    }

    static ModelMetadata metadata(TrainingConfig config, DataSplits data, Architecture arch, double lipschitz, double c,
                                  ArrayNode perLayer, Evaluation e, ObjectNode trainingInfo, int version) {
        Dataset test = data.test();
        ModelMetadata.Input input = config.dataset().equals("koch")
                ? new ModelMetadata.Input(List.of(1, 1, 2), -3.0, 3.0, 1.0, 0.0)
                : ModelMetadata.Input.unitRange(test.height(), test.width(), test.channels());
        ObjectNode architecture = ModelMetadata.object();
        architecture.put("preset", arch.preset());
        architecture.put("constrained", arch.constrained());
        architecture.put("widthMultiplier", arch.widthMultiplier());
        ArrayNode layers = architecture.putArray("layers");
        arch.describeLayers().forEach(layers::add);
        if (!arch.constrained()) {
            architecture.put("lipschitzEstimate", "product of per-layer spectral norms (power iteration): an upper bound");
            architecture.set("layerLipschitz", perLayer);
        }
        ObjectNode loss = ModelMetadata.object();
        loss.put("name", config.loss().kind().cliName());
        ObjectNode lp = loss.putObject("parameters");
        config.loss().parameters().forEach((k, v) -> lp.put(k, (Double) v));

        ObjectNode training = ModelMetadata.object();
        training.put("dataset", data.name());
        training.put("trainSize", data.train().size());
        training.put("validationSize", data.validation().size());
        training.put("testSize", test.size());
        training.put("seed", config.seed());
        training.put("epochs", config.epochs());
        training.put("batchSize", config.batchSize());
        training.put("optimizer", "adam");
        training.put("learningRate", config.schedule().toString());
        if (trainingInfo != null) training.setAll(trainingInfo);

        ObjectNode evaluation = ModelMetadata.object();
        evaluation.put("testAccuracy", e.testAccuracy());
        ObjectNode cert = evaluation.putObject("certifiedAccuracy");
        e.certifiedAccuracy().forEach((eps, acc) -> cert.put(Double.toString(eps), acc));
        evaluation.put("meanCertificate", e.meanCertificate());
        ObjectNode g = evaluation.putObject("gradientNorm");
        g.put("min", e.gradientNorm()[0]);
        g.put("mean", e.gradientNorm()[1]);
        g.put("max", e.gradientNorm()[2]);
        evaluation.put("maxMarginGradientNorm", e.maxMarginGradient());
        if (Double.isNaN(e.boundaryResidual())) evaluation.putNull("boundaryResidual");
        else evaluation.put("boundaryResidual", e.boundaryResidual());

        ObjectNode reference = ModelMetadata.object();
        ArrayNode priors = reference.putArray("classPriors");
        for (double p : e.classPriors()) priors.add(p);
        ArrayNode predicted = reference.putArray("predictedClassPriors");
        for (double p : e.predictedClassPriors()) predicted.add(p);
        reference.put("meanCertificate", e.meanCertificate());
        ObjectNode q = reference.putObject("certificateQuantiles");
        e.certificateQuantiles().forEach((k, v) -> q.put(Double.toString(k), v));
        // for the stream's drift tests: counts (a two-sample chi-square needs the reference's size) and a sample
        reference.put("testSize", e.testSize());
        ArrayNode counts = reference.putArray("predictedClassCounts");
        for (double p : e.predictedClassPriors()) counts.add(Math.round(p * e.testSize()));
        ArrayNode sample = reference.putArray("certificateSample");
        for (double v : e.certificateSample()) sample.add(v);

        return new ModelMetadata(ModelMetadata.FORMAT_VERSION, config.name(), version, Instant.now(),
                test.binary() ? ModelMetadata.Task.BINARY : ModelMetadata.Task.MULTICLASS, test.classNames(), input,
                lipschitz, c, architecture, loss, training, evaluation, reference);
    }

    /** Replaces {@code out} by {@code staging}; an existing {@code out} must be a previous checkpoint or empty. */
    static void replace(Path staging, Path out) throws IOException {
        if (Files.exists(out)) {
            boolean empty;
            try (Stream<Path> s = Files.list(out)) {
                empty = s.findAny().isEmpty();
            }
            if (!empty && !Files.isRegularFile(out.resolve(ModelMetadata.FILE_NAME))) {
                throw new IOException(out + ": exists and is not a checkpoint; refusing to overwrite it");
            }
            deleteTree(out);
        }
        Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
