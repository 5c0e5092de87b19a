package io.otnn.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.trainer.train.StopSignal;
import io.otnn.trainer.train.TrainingState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer service's hooks on the one training path: the epoch listener and the export target. */
class TrainerHooksTest {

    @TempDir
    Path tmp;

    private TrainingConfig.Builder small() {
        return TrainingConfig.builder()
                .setDataset("fashion-mnist")
                .optDataDir(Fixtures.fashionMnistMini())
                .optLimit(256)
                .optTestLimit(100)
                .optWidthMultiplier(0.125)
                .setEpochs(2)
                .setOut(tmp.resolve("out"))
                .optStateDir(tmp.resolve("state"))
                .optResume(true);
    }

    @Test
    void shouldTellTheListenerAfterEachSavedEpochAndExportToTheTargetWhenHooksAreSet() throws Exception {
        List<String> started = new ArrayList<>();
        List<EpochProgress> epochs = new ArrayList<>();
        List<Integer> savedAtCall = new ArrayList<>();
        Path target = Files.createDirectories(tmp.resolve("store/m/5"));
        TrainingResult r = new Trainer()
                .withEpochListener(new EpochListener() {
                    @Override
                    public void started(int completedEpochs, int total, String device) {
                        started.add(completedEpochs + "/" + total + " " + device);
                    }

                    @Override
                    public void epochEnded(EpochProgress progress) {
                        epochs.add(progress);
                        savedAtCall.add(TrainingState.read(tmp.resolve("state")).epoch());
                    }
                })
                .withExportTarget(config -> new ExportTarget.Target(target, 5))
                .train(small().build());
        assertThat(started).containsExactly("0/2 CPU");
        assertThat(epochs).extracting(EpochProgress::epoch).containsExactly(1, 2);
        // the state of an epoch is on disk before the listener hears of it
        assertThat(savedAtCall).containsExactly(1, 2);
        for (EpochProgress p : epochs) {
            assertThat(p.epochs()).isEqualTo(2);
            assertThat(p.loss()).isFinite();
            assertThat(p.validationAccuracy()).isBetween(0.0, 1.0);
            assertThat(p.imagesPerSecond()).isPositive();
        }
        assertThat(epochs.get(0).etaSeconds()).isPositive();
        assertThat(epochs.get(1).etaSeconds()).isZero();
        assertThat(r.checkpoint()).isEqualTo(target.toAbsolutePath());
        assertThat(ModelMetadata.read(target.resolve(ModelMetadata.FILE_NAME)).version())
                .isEqualTo(5);
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void shouldStartTheListenerAtTheSavedEpochWhenTheRunResumes() throws Exception {
        new Trainer().train(small().setEpochs(1).build());
        List<Integer> started = new ArrayList<>();
        List<Integer> epochs = new ArrayList<>();
        new Trainer(new StopSignal())
                .withEpochListener(new EpochListener() {
                    @Override
                    public void started(int completedEpochs, int total, String device) {
                        started.add(completedEpochs);
                    }

                    @Override
                    public void epochEnded(EpochProgress progress) {
                        epochs.add(progress.epoch());
                    }
                })
                .train(small().build());
        assertThat(started).containsExactly(1);
        assertThat(epochs).containsExactly(2);
    }
}
