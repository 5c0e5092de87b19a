package io.otnn.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.checkpoint.ModelMetadata;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The binary BlockMNIST task and a folder of images, trained and published end to end (tiny, to stay fast). */
class OtherDataSetsTrainingTest {

    @TempDir
    Path tmp;

    @Test
    void shouldPublishABinaryModelWhenTrainingOnBlockMnist() throws Exception {
        // the fixture's classes 0 and 1 stand in for MNIST's digits 0 and 1 (same IDX layout)
        TrainingResult r = new Trainer()
                .train(TrainingConfig.builder()
                        .setDataset("block-mnist")
                        .optDataDir(Fixtures.fashionMnistMini())
                        .optWidthMultiplier(0.125)
                        .setEpochs(2)
                        .optTestLimit(100)
                        .setOut(tmp.resolve("block"))
                        .build());
        ModelMetadata m = r.metadata();
        assertThat(m.task()).isEqualTo(ModelMetadata.Task.BINARY);
        assertThat(m.loss().get("name").asText())
                .as("the binary default loss, Eq. 1")
                .isEqualTo("hkr");
        assertThat(m.input().shape()).containsExactly(56, 28, 1);
        assertThat(m.certificateFactor()).isEqualTo(1.0);
        assertThat(r.evaluation().testAccuracy()).isGreaterThan(0.8);
        assertThat(r.evaluation().gradientNorm()[2]).isLessThanOrEqualTo(1 + 1e-3);
    }

    @Test
    void shouldTrainTheUnconstrainedTwinOfABinaryTaskWithTheLogisticLoss() throws Exception {
        TrainingResult r = new Trainer()
                .train(TrainingConfig.builder()
                        .setDataset("block-mnist")
                        .optDataDir(Fixtures.fashionMnistMini())
                        .optWidthMultiplier(0.125)
                        .optLoss(io.otnn.trainer.losses.LossSpec.Kind.CROSS_ENTROPY)
                        .setEpochs(2)
                        .optTestLimit(100)
                        .setOut(tmp.resolve("block-baseline"))
                        .build());
        ModelMetadata m = r.metadata();
        assertThat(m.task()).isEqualTo(ModelMetadata.Task.BINARY);
        assertThat(m.loss().get("name").asText()).isEqualTo("cross-entropy");
        assertThat(m.architecture().get("constrained").asBoolean()).isFalse();
        assertThat(r.evaluation().testAccuracy())
                .as("a single-logit softmax would leave it at chance")
                .isGreaterThan(0.8);
    }

    @Test
    void shouldPublishWhenTrainingOnAFolderOfImages() throws Exception {
        Random random = new Random(3);
        for (String cls : new String[] {"dark", "light"}) {
            Files.createDirectories(tmp.resolve("images").resolve(cls));
            for (int i = 0; i < 40; i++) {
                BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < 8; y++) {
                    for (int x = 0; x < 8; x++) {
                        int base = cls.equals("dark") ? 40 : 200;
                        img.getRaster().setSample(x, y, 0, base + random.nextInt(40) - 20);
                    }
                }
                ImageIO.write(
                        img,
                        "png",
                        tmp.resolve("images").resolve(cls).resolve(i + ".png").toFile());
            }
        }
        TrainingResult r = new Trainer()
                .train(TrainingConfig.builder()
                        .setDataset("folder")
                        .optDataDir(tmp.resolve("images"))
                        .optWidthMultiplier(0.125)
                        .setEpochs(20)
                        .optBatchSize(16)
                        .optSchedule(io.otnn.trainer.train.LearningRateSchedule.constant(5e-3))
                        .setOut(tmp.resolve("folder-ckpt"))
                        .build());
        assertThat(r.metadata().classNames()).containsExactly("dark", "light");
        assertThat(r.metadata().training().get("testSize").asInt()).isEqualTo(16);
        assertThat(r.evaluation().testAccuracy()).isEqualTo(1.0);
    }
}
