package io.otnn.cli.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.TrainingJobState;
import io.otnn.avro.TrainingRequest;
import io.otnn.avro.TrainingStatus;
import io.otnn.cli.OtnnCommand;
import io.otnn.local.LocalStack;
import io.otnn.trainer.train.TrainingState;
import io.otnn.training.jobs.JobJournal;
import io.otnn.training.jobs.JobState;
import io.otnn.training.kafka.KafkaSettings;
import io.otnn.training.requests.TrainingRequests;
import io.otnn.training.status.StatusPublisher;
import io.otnn.training.store.ModelStore;
import io.otnn.training.testing.SmallRequests;
import io.otnn.training.testing.StatusReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a real {@code otnn trainer serve} process mid-training: the shared {@code StopOnSignal} hook stops the
 * service, the running job saves its state and stays RUNNING in the journal (resumed at the next start), nothing is
 * published as ended.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TrainerServeSignalTest {

    @TempDir
    Path tmp;

    private Process child;

    @AfterEach
    void killTheChild() throws InterruptedException {
        if (child != null) {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldSaveTheRunningJobAndStopWhenTheServeCommandGetsSigterm() throws Exception {
        Path store = tmp.resolve("store");
        Path log = tmp.resolve("serve.log");
        try (LocalStack stack = LocalStack.start()) {
            child = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            OtnnCommand.class.getName(),
                            "trainer",
                            "serve",
                            "--bootstrap-servers",
                            stack.bootstrapServers(),
                            "--schema-registry",
                            stack.schemaRegistryUrl(),
                            "--store",
                            store.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            TrainingRequest request = SmallRequests.small("signal-model", 1000).build();
            TrainingRequests.send(stack.bootstrapServers(), stack.schemaRegistryUrl(), request);
            KafkaSettings kafka = new KafkaSettings(stack.bootstrapServers(), stack.schemaRegistryUrl());
            try (StatusReader<TrainingStatus> statuses = StatusReader.statuses(kafka, StatusPublisher.TOPIC)) {
                statuses.await(
                        s -> s.getRequestId().equals(request.getRequestId())
                                && s.getState() == TrainingJobState.RUNNING
                                && s.getEpoch() >= 1,
                        Duration.ofMinutes(4),
                        "a first epoch");
                child.destroy(); // SIGTERM
                assertThat(child.waitFor(2, TimeUnit.MINUTES)).isTrue();
                assertThat(StatusReader.of(statuses.drain(Duration.ofSeconds(1)), request.getRequestId()))
                        .noneMatch(StatusReader.ended(request.getRequestId()));
            }
            String output = Files.readString(log);
            assertThat(output)
                    .contains("stopped after epoch")
                    .contains("trainer service")
                    .contains("stopped");
            assertThat(output).doesNotContain("\tat ");
            JobJournal journal = new JobJournal(new ModelStore(store).jobs());
            assertThat(journal.find(request.getRequestId()).orElseThrow().state())
                    .isEqualTo(JobState.RUNNING);
            TrainingState state = TrainingState.read(journal.stateDir(request.getRequestId()));
            assertThat(state).isNotNull();
            assertThat(state.epoch()).isGreaterThanOrEqualTo(1);
        }
    }
}
