package io.otnn.trainer.export;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.GradientPrecision;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.checkpoint.SignatureContract;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.data.DataSources;
import io.otnn.trainer.data.Dataset;
import io.otnn.trainer.diagnostics.FrozenCheckpoint;
import io.otnn.trainer.eval.Evaluator;
import io.otnn.trainer.eval.RobustnessEvaluation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * Gives an existing checkpoint the Lipschitz constant its weights prove ({@link RecordedLipschitz}) instead of the one
 * it records, and everything computed from it: the certified accuracy, the certificates and the drift reference
 * (certificate quantiles and sample), evaluated again on the same test images through the checkpoint's own
 * signatures. The weights and the graph are copied unchanged; the result is the next version of the model, with
 * {@code evaluation.recertified} saying what it replaced. Published as the trainer publishes: staged, verified
 * (gradients within the new bound, metadata valid), sealed with a new manifest, then moved into place.
 */
public final class Recertifier {

    private Recertifier() {}

    /** The checkpoint as it was, as it is now, and the bound that made the difference. */
    public record Recertified(Path dir, ModelMetadata before, ModelMetadata after, RecordedLipschitz lipschitz) {}

    /**
     * Recertifies the checkpoint at {@code checkpoint} with the test images of {@code dataDir} (the data set, seed
     * and test size the checkpoint records) into {@code out}, which may be {@code checkpoint} itself.
     *
     * @throws PublishRefusedException when a layer's bound cannot be proven, or the data does not give the recorded
     *     number of test images
     */
    public static Recertified recertify(Path checkpoint, Path dataDir, Path out) throws IOException {
        return recertify(checkpoint, dataDir, out, null);
    }

    /**
     * As {@link #recertify(Path, Path, Path)}, with the explain gradients in {@code precision}: when it differs from
     * the checkpoint's, the SavedModel is exported again from the frozen weights ({@link CheckpointExporter}) instead
     * of copied; null keeps the checkpoint's.
     */
    public static Recertified recertify(Path checkpoint, Path dataDir, Path out, GradientPrecision precision)
            throws IOException {
        CheckpointManifest.read(checkpoint).verify(checkpoint);
        FrozenCheckpoint frozen = FrozenCheckpoint.read(checkpoint);
        ModelMetadata before = frozen.metadata();
        GradientPrecision gradients = precision == null ? before.gradientPrecision() : precision;
        int products = CheckpointExporter.gradientProducts(frozen.architecture());
        if (gradients != GradientPrecision.FP32 && products == 0) {
            throw new PublishRefusedException("a " + gradients.label() + " gradient needs a network whose gradient is"
                    + " written out (dense layers), not "
                    + frozen.architecture().describeLayers());
        }
        RecordedLipschitz lipschitz = RecordedLipschitz.of(
                frozen.architecture(), frozen.layerInputShapes(), frozen.parameters(), frozen.logits());
        if (!lipschitz.sound()) {
            throw new PublishRefusedException("the Lipschitz bound of " + checkpoint + " cannot be proven for "
                    + lipschitz.rows().stream()
                            .filter(r -> r.how().startsWith("not audited"))
                            .map(r -> r.index() + " " + r.layer())
                            .toList());
        }
        Dataset test = testSet(before, dataDir);

        Path target = out.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path staging = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".staging-");
        try {
            if (gradients == before.gradientPrecision()) {
                copyModel(checkpoint, staging);
            } else {
                copyAllBut(checkpoint, staging, Recertifier::isSavedModel);
                ModelMetadata.Input in = before.input();
                CheckpointExporter.writeSavedModel(
                        staging,
                        frozen.architecture(),
                        frozen.parameters(),
                        frozen.inputShape(),
                        frozen.logits(),
                        in.min(),
                        in.max(),
                        gradients);
            }
            double tolerance = gradients.gradientTolerance(products);
            RobustnessEvaluation e;
            try (ReloadedModel model = new ReloadedModel(staging, frozen.inputShape(), frozen.logits())) {
                e = Evaluator.evaluate(
                        model, test, lipschitz.lipschitzConstant(), lipschitz.certificateFactor(), test.binary());
                CheckpointPublisher.checkGradients(
                        e, lipschitz.lipschitzConstant(), lipschitz.certificateFactor(), frozen.logits(), tolerance);
            }
            ModelMetadata after = metadata(before, lipschitz, e, gradients, products);
            Path file = staging.resolve(ModelMetadata.FILE_NAME);
            after.write(file);
            ModelMetadata.read(file);
            CheckpointManifest.write(staging);
            CheckpointPublisher.replace(staging, target);
            return new Recertified(target, before, after, lipschitz);
        } finally {
            if (Files.exists(staging)) CheckpointPublisher.deleteTree(staging);
        }
    }

    static ModelMetadata metadata(
            ModelMetadata before,
            RecordedLipschitz lipschitz,
            RobustnessEvaluation e,
            GradientPrecision gradients,
            int products) {
        ObjectNode architecture = before.architecture().deepCopy();
        architecture.remove("lipschitzEstimate");
        GradientPrecision.record(architecture, gradients, products);
        lipschitz.writeTo(architecture);
        ObjectNode evaluation = CheckpointPublisher.evaluationNode(e);
        ObjectNode was = evaluation.putObject("recertified");
        was.put("at", Instant.now().toString());
        was.put("fromVersion", before.version());
        was.put("lipschitzConstant", before.lipschitzConstant());
        was.put("certificateFactor", before.certificateFactor());
        was.set("evaluation", before.evaluation().deepCopy());
        return new ModelMetadata(
                before.formatVersion(),
                before.name(),
                before.version() + 1,
                Instant.now(),
                before.task(),
                before.classNames(),
                before.input(),
                lipschitz.lipschitzConstant(),
                lipschitz.certificateFactor(),
                architecture,
                before.loss(),
                before.training(),
                evaluation,
                CheckpointPublisher.referenceNode(e));
    }

    /** The test images the checkpoint was evaluated on: its data set, seed and test size, read from {@code dataDir}. */
    static Dataset testSet(ModelMetadata m, Path dataDir) {
        var training = m.training();
        int size = training.get("testSize").asInt();
        TrainingConfig config = TrainingConfig.builder()
                .setDataset(training.get("dataset").asText())
                .optDataDir(dataDir)
                .optSeed(training.get("seed").asLong())
                .optTestLimit(size)
                .setEpochs(1)
                .setOut(dataDir.resolve("unused"))
                .build();
        Dataset test = DataSources.load(config).test();
        if (test.size() != size) {
            throw new PublishRefusedException(
                    "the checkpoint was evaluated on " + size + " test images, " + dataDir + " gives " + test.size());
        }
        return test;
    }

    /** Copies every file of the checkpoint but its metadata and manifest, which are written anew. */
    static void copyModel(Path from, Path to) throws IOException {
        copyAllBut(from, to, rel -> false);
    }

    private static boolean isSavedModel(Path rel) {
        return rel.toString().equals(SignatureContract.SAVED_MODEL_FILE) || rel.startsWith("variables");
    }

    /** As {@link #copyModel}, leaving out the files {@code skip} picks by their path relative to {@code from}. */
    private static void copyAllBut(Path from, Path to, java.util.function.Predicate<Path> skip) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(from)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            Path rel = from.relativize(f);
            String name = rel.toString();
            if (name.equals(ModelMetadata.FILE_NAME) || name.equals(CheckpointManifest.FILE_NAME) || skip.test(rel)) {
                continue;
            }
            Path dest = to.resolve(rel);
            Files.createDirectories(dest.getParent());
            Files.copy(f, dest, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }
}
