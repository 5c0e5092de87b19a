package io.otnn.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.otnn.checkpoint.CheckpointException;
import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.datasets.DataSetNames;
import io.otnn.trainer.data.DataSources;
import io.otnn.trainer.data.Dataset;
import io.otnn.trainer.diagnostics.LipschitzAudit;
import io.otnn.trainer.export.PublishRefusedException;
import io.otnn.trainer.export.Recertifier;
import io.otnn.trainer.export.ReloadedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A briefly trained cnn OTNN whose metadata is set back to what exports wrote before the audit (L = 1, c = 2, the
 * certificates computed with them), then recertified: the new figures against a direct evaluation with the audited
 * constants, and every certificate against the old one scaled by (c·L)_old / (c·L)_new.
 */
class RecertifyTest {

    @TempDir
    static Path tmp;

    static Path unaudited;

    @BeforeAll
    static void trainAndForgetTheAudit() throws Exception {
        Path out = tmp.resolve("cnn");
        new Trainer()
                .train(TrainingConfig.builder()
                        .setDataset("fashion-mnist")
                        .optDataDir(Fixtures.fashionMnistMini())
                        .optArchitecture("cnn")
                        .optWidthMultiplier(0.0625)
                        .optLimit(256)
                        .optTestLimit(60)
                        .setEpochs(1)
                        .setOut(out)
                        .build());
        unaudited = asBeforeTheAudit(out);
    }

    /** The checkpoint with L = 1, c = 2 and the certificates of those, as a trained one was published before. */
    static Path asBeforeTheAudit(Path checkpoint) throws Exception {
        ModelMetadata m = ModelMetadata.read(checkpoint.resolve(ModelMetadata.FILE_NAME));
        double scale = m.certificateFactor() * m.lipschitzConstant() / 2.0;
        ObjectNode evaluation = m.evaluation().deepCopy();
        evaluation.put("meanCertificate", m.evaluationFigure("meanCertificate") * scale);
        ObjectNode reference = m.reference().deepCopy();
        reference.put("meanCertificate", reference.get("meanCertificate").asDouble() * scale);
        ObjectNode q = (ObjectNode) reference.get("certificateQuantiles");
        q.fieldNames().forEachRemaining(k -> q.put(k, q.get(k).asDouble() * scale));
        var sample = reference.putArray("certificateSample");
        m.reference().get("certificateSample").forEach(v -> sample.add(v.asDouble() * scale));
        reseal(checkpoint, m, 1.0, 2.0, m.training(), evaluation, reference);
        return checkpoint;
    }

    /** Writes {@code m} with the given constants and sections as the checkpoint's metadata, and a new manifest. */
    static void reseal(
            Path checkpoint,
            ModelMetadata m,
            double lipschitz,
            double factor,
            ObjectNode training,
            ObjectNode evaluation,
            ObjectNode reference)
            throws Exception {
        new ModelMetadata(
                        m.formatVersion(),
                        m.name(),
                        m.version(),
                        m.createdAt(),
                        m.task(),
                        m.classNames(),
                        m.input(),
                        lipschitz,
                        factor,
                        m.architecture(),
                        m.loss(),
                        training,
                        evaluation,
                        reference)
                .write(checkpoint.resolve(ModelMetadata.FILE_NAME));
        Files.delete(checkpoint.resolve(CheckpointManifest.FILE_NAME));
        CheckpointManifest.write(checkpoint);
    }

    @Test
    void shouldCertifyWithTheAuditedBoundAndScaleEveryCertificateWhenTheRecordedLWasOne() throws Exception {
        ModelMetadata before = ModelMetadata.read(unaudited.resolve(ModelMetadata.FILE_NAME));
        Path out = tmp.resolve("recertified");

        Recertifier.Recertified r = Recertifier.recertify(unaudited, Fixtures.fashionMnistMini(), out);

        ModelMetadata after = ModelMetadata.read(out.resolve(ModelMetadata.FILE_NAME));
        CheckpointManifest.read(out).verify(out);
        LipschitzAudit.Audit audit = LipschitzAudit.audit(out);
        assertThat(after.lipschitzConstant()).isEqualTo(audit.lipschitzBound()).isNotEqualTo(1.0);
        assertThat(after.certificateFactor() * after.lipschitzConstant())
                .isCloseTo(2 * audit.pairwiseLipschitzBound(), within(1e-12));
        assertThat(after.version()).isEqualTo(before.version() + 1);
        assertThat(after.evaluation()
                        .get("recertified")
                        .get("lipschitzConstant")
                        .asDouble())
                .isEqualTo(1.0);
        assertThat(after.architecture().get("lipschitz").get("sound").asBoolean())
                .isTrue();
        assertThat(r.after().version()).isEqualTo(after.version());

        // the same model: same accuracy and gradient norms
        assertThat(after.evaluationFigure("testAccuracy")).isEqualTo(before.evaluationFigure("testAccuracy"));
        assertThat(after.evaluation().get("gradientNorm"))
                .isEqualTo(before.evaluation().get("gradientNorm"));
        // every certificate scaled by the ratio of the constants
        double ratio = before.certificateFactor()
                * before.lipschitzConstant()
                / (after.certificateFactor() * after.lipschitzConstant());
        var oldSample = before.reference().get("certificateSample");
        var newSample = after.reference().get("certificateSample");
        assertThat(newSample.size()).isEqualTo(oldSample.size()).isPositive();
        for (int i = 0; i < oldSample.size(); i++) {
            assertThat(newSample.get(i).asDouble())
                    .isCloseTo(
                            oldSample.get(i).asDouble() * ratio,
                            within(1e-6 * oldSample.get(i).asDouble() + 1e-12));
        }
        // and the figures against a direct evaluation of the published checkpoint with its new constants
        Dataset test = DataSources.readIdx(Fixtures.fashionMnistMini(), "t10k", DataSetNames.FASHION_MNIST_CLASSES)
                .limit(60);
        try (ReloadedModel model = new ReloadedModel(out, new long[] {28, 28, 1}, 10)) {
            EndToEndTest.assertMetadataMatchesADirectEvaluation(
                    after, DirectEvaluation.of(model, test, 10, after.lipschitzConstant(), after.certificateFactor()));
        }
    }

    @Test
    void shouldRefuseWhenTheCheckpointDoesNotMatchItsManifestOrTheDataGivesOtherTestImages() throws Exception {
        Path copy = tmp.resolve("tampered");
        copyTree(unaudited, copy);
        Files.writeString(
                copy.resolve(ModelMetadata.FILE_NAME),
                Files.readString(copy.resolve(ModelMetadata.FILE_NAME)).replace("\"seed\"", "\"seed\" "));
        assertThatThrownBy(() -> Recertifier.recertify(copy, Fixtures.fashionMnistMini(), tmp.resolve("x")))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(ModelMetadata.FILE_NAME);

        Path fewer = tmp.resolve("fewer");
        copyTree(unaudited, fewer);
        ModelMetadata m = ModelMetadata.read(fewer.resolve(ModelMetadata.FILE_NAME));
        ObjectNode training = m.training().deepCopy();
        training.put("testSize", 100_000);
        reseal(fewer, m, m.lipschitzConstant(), m.certificateFactor(), training, m.evaluation(), m.reference());
        assertThatThrownBy(() -> Recertifier.recertify(fewer, Fixtures.fashionMnistMini(), tmp.resolve("y")))
                .isInstanceOf(PublishRefusedException.class)
                .hasMessageContaining("evaluated on 100000 test images");
        assertThat(tmp.resolve("x")).doesNotExist();
        assertThat(tmp.resolve("y")).doesNotExist();
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(dest);
                else Files.copy(p, dest);
            }
        }
    }
}
