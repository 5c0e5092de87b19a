package io.otnn.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.otnn.checkpoint.CheckpointException;
import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.datasets.DataSetNames;
import io.otnn.datasets.IdxDataset;
import io.otnn.datasets.SampleData;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.input.ImageDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReferenceModelTest {

    @TempDir
    Path tmp;

    @Test
    void shouldMatchItsManifestAndReplaceAnAlteredCopyWhenExtracted() throws Exception {
        Path checkpoint = ReferenceModel.extract(tmp);
        CheckpointManifest manifest = CheckpointManifest.read(checkpoint);
        manifest.verify(checkpoint);
        assertThat(manifest.digests()).containsKeys(ModelMetadata.FILE_NAME, "saved_model.pb");

        String largest = manifest.digests().keySet().stream()
                .max((a, b) -> Long.compare(size(checkpoint.resolve(a)), size(checkpoint.resolve(b))))
                .orElseThrow();
        byte[] original = Files.readAllBytes(checkpoint.resolve(largest));
        byte[] altered = original.clone();
        altered[altered.length / 2] ^= 0x01;
        Files.write(checkpoint.resolve(largest), altered);
        Files.writeString(checkpoint.resolve("stray.txt"), "added after export", StandardOpenOption.CREATE_NEW);
        assertThatThrownBy(() -> manifest.verify(checkpoint)).isInstanceOf(CheckpointException.class);

        Path again = ReferenceModel.extract(tmp);
        assertThat(again).isEqualTo(checkpoint);
        CheckpointManifest.read(again).verify(again);
        assertThat(Files.readAllBytes(again.resolve(largest))).isEqualTo(original);
        assertThat(again.resolve("stray.txt")).doesNotExist();
        try (var left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString()).toList())
                    .as("no partial copy is left beside the checkpoint")
                    .containsExactly(ReferenceModel.FOLDER);
        }
    }

    @Test
    void shouldGiveItsRecordedAccuracyOnTheCommittedSampleAndSoundCertificatesWhenLoaded() throws Exception {
        Path checkpoint = ReferenceModel.extract(tmp.resolve("model"));
        Properties provenance = ReferenceModel.provenance();
        try (OtnnModel model = OtnnModel.load(checkpoint)) {
            ModelMetadata metadata = model.metadata();
            assertThat(metadata.classNames()).isEqualTo(DataSetNames.FASHION_MNIST_CLASSES);
            IdxDataset test = IdxDataset.readTestSet(SampleData.extract(tmp), new ImageDecoder(metadata), 0);
            assertThat(test.images().length).isEqualTo(500);

            int correct = 0;
            int crossed = 0;
            for (int from = 0; from < test.images().length; from += 100) {
                float[][] batch = Arrays.copyOfRange(test.images(), from, from + 100);
                List<ImageExplanation> explained = model.explain(batch);
                for (int i = 0; i < batch.length; i++) {
                    ImageExplanation e = explained.get(i);
                    if (e.predicted() == test.labels()[from + i]) correct++;
                    if (e.counterfactualClass() != e.predicted()) {
                        crossed++;
                        // 1-Lipschitz: no input closer than the certified radius can change the class
                        assertThat(distance(batch[i], e.counterfactual()))
                                .as("image %d: distance to its counterfactual of another class", from + i)
                                .isGreaterThanOrEqualTo(e.radius() * (1 - 1e-4));
                    }
                }
            }
            double accuracy = correct / 500.0;
            assertThat(accuracy)
                    .as("accuracy on the committed sample, as recorded when the checkpoint was made")
                    .isEqualTo(Double.parseDouble(provenance.getProperty("sample.accuracy")));
            assertThat(accuracy).isGreaterThan(0.85);
            assertThat(crossed).as("counterfactuals that change the class").isGreaterThan(250);
            // the provenance quotes the constants the checkpoint certifies with (audited, not an assumed 1)
            assertThat(Double.parseDouble(provenance.getProperty("lipschitz.constant")))
                    .isCloseTo(metadata.lipschitzConstant(), org.assertj.core.api.Assertions.within(5e-7))
                    .isGreaterThan(1.0);
            assertThat(Double.parseDouble(provenance.getProperty("certificate.factor")))
                    .isCloseTo(metadata.certificateFactor(), org.assertj.core.api.Assertions.within(5e-7));
            assertThat(Double.parseDouble(provenance.getProperty("certified.at.36of255")))
                    .isEqualTo(metadata.evaluation()
                            .get("certifiedAccuracy")
                            .get(Double.toString(36.0 / 255.0))
                            .asDouble());
        }
    }

    private static double distance(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
