package io.otnn.trainer.export;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.otnn.checkpoint.CheckpointException;
import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.ExportCheck;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.checkpoint.SignatureContract;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.data.DataSplits;
import io.otnn.trainer.data.Dataset;
import io.otnn.trainer.eval.Evaluator;
import io.otnn.trainer.eval.ModelRunner;
import io.otnn.trainer.eval.RobustnessEvaluation;
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
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Export → reload → verify → describe → seal → publish. The SavedModel is written to a staging directory next to the
 * destination and reloaded with the explainer's loader ({@link ReloadedModel}); the checkpoint module's
 * {@link ExportCheck} must pass (its logits equal the training graph's on a test batch, every input gradient respects
 * the Lipschitz bound) and its signatures must match the metadata as the explainer checks them; otherwise nothing is
 * published. The evaluation is computed on the reloaded model, through its own signatures. Then
 * {@code otnn-model.json} and {@code MANIFEST.sha256} are written with the checkpoint module's classes and the
 * staging directory replaces the destination.
 */
public final class CheckpointPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointPublisher.class);

    /** Test images whose logits the export check compares. */
    public static final int CHECK_BATCH = 256;

    private CheckpointPublisher() {}

    public record Published(Path dir, ModelMetadata metadata, RobustnessEvaluation evaluation, String manifestDigest) {}

    public static Published publish(
            TrainingGraph graph, TrainingConfig config, DataSplits data, ObjectNode trainingInfo) throws IOException {
        return publish(graph, config, data, trainingInfo, config.out(), null);
    }

    /** As above into {@code target} with {@code version} (null: the previous checkpoint's version there + 1). */
    public static Published publish(
            TrainingGraph graph,
            TrainingConfig config,
            DataSplits data,
            ObjectNode trainingInfo,
            Path target,
            Integer version)
            throws IOException {
        Architecture arch = graph.architecture();
        graph.condense();
        List<List<Param>> params = graph.frozenParameters();
        int logits = graph.logitCount();
        RecordedLipschitz recorded = RecordedLipschitz.of(arch, graph.layerInputShapes(), params, logits);
        double lipschitz = recorded.lipschitzConstant();
        double c = recorded.certificateFactor();
        if (!recorded.sound()) {
            LOG.warn(
                    "the Lipschitz constant {} of {} is not proven for every layer (see architecture.lipschitz)",
                    lipschitz,
                    config.name());
        }
        Path out = target.toAbsolutePath();
        Files.createDirectories(out.getParent());
        Path staging = Files.createTempDirectory(out.getParent(), "." + out.getFileName() + ".staging-");
        try {
            ModelMetadata.Input input = input(config, data.test());
            CheckpointExporter.writeSavedModel(
                    staging, arch, params, graph.inputShape(), logits, input.min(), input.max());
            RobustnessEvaluation evaluation;
            ModelMetadata metadata;
            try (ReloadedModel reloaded = new ReloadedModel(staging, graph.inputShape(), logits)) {
                checkLogits(graph, reloaded, data.test());
                evaluation = Evaluator.evaluate(
                        reloaded, data.test(), lipschitz, c, data.test().binary());
                checkGradients(evaluation, lipschitz, c, logits);
                int v = version != null ? version : nextVersion(out, config.name());
                metadata = metadata(config, data, arch, recorded, evaluation, trainingInfo, v);
                checkSignatures(reloaded, staging, metadata);
            }
            metadata.write(staging.resolve(ModelMetadata.FILE_NAME));
            CheckpointManifest manifest = CheckpointManifest.write(staging);
            replace(staging, out);
            LOG.info(
                    "published {} version {} to {} (manifest {})",
                    config.name(),
                    metadata.version(),
                    out,
                    manifest.digest());
            return new Published(out, metadata, evaluation, manifest.digest());
        } finally {
            if (Files.exists(staging)) deleteTree(staging);
        }
    }

    static void checkLogits(ModelRunner training, ModelRunner reloaded, Dataset test) {
        int n = Math.min(CHECK_BATCH, test.size());
        float[] x = Arrays.copyOf(test.images(), n * test.imageSize());
        ExportCheck.logitProblem(training.logits(x, n), reloaded.logits(x, n)).ifPresent(problem -> {
            throw new PublishRefusedException(problem + ": refusing to publish");
        });
    }

    /** The signatures as the explainer checks them when it loads the checkpoint. */
    static void checkSignatures(ReloadedModel reloaded, Path staging, ModelMetadata metadata) {
        try {
            reloaded.checkSignatures(staging.resolve(SignatureContract.SAVED_MODEL_FILE), metadata);
        } catch (CheckpointException e) {
            throw new PublishRefusedException(e.getMessage() + ": refusing to publish");
        }
    }

    static void checkGradients(RobustnessEvaluation e, double lipschitz, double c, int logits) {
        checkGradients(e, lipschitz, c, logits, 0);
    }

    /** As {@link #checkGradients(RobustnessEvaluation, double, double, int)} for a rounded backward pass. */
    static void checkGradients(
            RobustnessEvaluation e, double lipschitz, double c, int logits, double precisionTolerance) {
        ExportCheck.gradientProblem(
                        e.gradientNorm()[2], e.maxMarginGradient(), lipschitz, c, logits, precisionTolerance)
                .ifPresent(problem -> {
                    throw new PublishRefusedException(problem + ": refusing to publish");
                });
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

    static ModelMetadata metadata(
            TrainingConfig config,
            DataSplits data,
            Architecture arch,
            RecordedLipschitz lipschitz,
            RobustnessEvaluation e,
            ObjectNode trainingInfo,
            int version) {
        Dataset test = data.test();
        ModelMetadata.Input input = input(config, test);
        ObjectNode architecture = ModelMetadata.object();
        architecture.put("preset", arch.preset());
        architecture.put("constrained", arch.constrained());
        architecture.put("widthMultiplier", arch.widthMultiplier());
        ArrayNode layers = architecture.putArray("layers");
        arch.describeLayers().forEach(layers::add);
        ArrayNode signatures = architecture.putArray(SignatureContract.SIGNATURES_FIELD);
        CheckpointExporter.signatures(arch).forEach(signatures::add);
        if (arch.gradCamLayer() >= 0) architecture.put("gradcamLayer", arch.gradCamLayer());
        if (arch.constrained()) {
            architecture.put("bjorckIterations", io.otnn.trainer.layers.Normalizers.bjorckIterations());
            architecture.put("spectralIterations", io.otnn.trainer.layers.Normalizers.spectralIterations());
        }
        if (arch.layers().stream().anyMatch(l -> l instanceof io.otnn.trainer.layers.OrthogonalConv2D)) {
            ObjectNode soc = architecture.putObject("orthogonalConv2D");
            soc.put("trainingTerms", io.otnn.trainer.layers.OrthogonalConv2D.TRAIN_TERMS);
            soc.put("inferenceTerms", io.otnn.trainer.layers.OrthogonalConv2D.INFER_TERMS);
            soc.put("operatorNormBound", io.otnn.trainer.layers.OrthogonalConv2D.RHO);
            soc.put("boundSlack", io.otnn.trainer.layers.OrthogonalConv2D.RHO_SLACK);
        }
        lipschitz.writeTo(architecture);
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

        ObjectNode evaluation = evaluationNode(e);
        ObjectNode reference = referenceNode(e);

        return new ModelMetadata(
                ModelMetadata.FORMAT_VERSION,
                config.name(),
                version,
                Instant.now(),
                test.binary() ? ModelMetadata.Task.BINARY : ModelMetadata.Task.MULTICLASS,
                test.classNames(),
                input,
                lipschitz.lipschitzConstant(),
                lipschitz.certificateFactor(),
                architecture,
                loss,
                training,
                evaluation,
                reference);
    }

    /** The metadata's {@code evaluation}: accuracy, certified accuracy, certificates and gradient norms. */
    static ObjectNode evaluationNode(RobustnessEvaluation e) {
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
        return evaluation;
    }

    /** The metadata's {@code reference}: what the stream's drift tests compare live traffic with. */
    static ObjectNode referenceNode(RobustnessEvaluation e) {
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
        return reference;
    }

    /** The input contract of the checkpoint: the data's shape, in [0, 1] (Koch snowflakes: points in [−3, 3]²). */
    static ModelMetadata.Input input(TrainingConfig config, Dataset test) {
        return config.dataset().equals("koch")
                ? new ModelMetadata.Input(List.of(1, 1, 2), -3.0, 3.0, 1.0, 0.0)
                : ModelMetadata.Input.unitRange(test.height(), test.width(), test.channels());
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
