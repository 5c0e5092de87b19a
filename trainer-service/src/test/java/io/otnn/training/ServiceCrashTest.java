package io.otnn.training;

import static io.otnn.training.testing.StatusReader.ended;
import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.ModelCheckpoint;
import io.otnn.avro.TrainingJobState;
import io.otnn.avro.TrainingRequest;
import io.otnn.avro.TrainingStatus;
import io.otnn.local.LocalStack;
import io.otnn.trainer.announce.CheckpointAnnouncer;
import io.otnn.training.jobs.JobJournal;
import io.otnn.training.jobs.JobState;
import io.otnn.training.kafka.KafkaSettings;
import io.otnn.training.requests.TrainingRequests;
import io.otnn.training.status.StatusPublisher;
import io.otnn.training.store.ModelStore;
import io.otnn.training.testing.ChildService;
import io.otnn.training.testing.SmallRequests;
import io.otnn.training.testing.StatusReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service in a child JVM, killed with SIGKILL mid-training or stopped with SIGTERM, and started again. */
class ServiceCrashTest {

    static final Duration TIMEOUT = Duration.ofMinutes(5);

    static LocalStack stack;
    static KafkaSettings kafka;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        stack = LocalStack.start();
        kafka = new KafkaSettings(stack.bootstrapServers(), stack.schemaRegistryUrl());
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    private ChildService child(Path store) throws Exception {
        return ChildService.start(
                stack.bootstrapServers(), stack.schemaRegistryUrl(), store, tmp.resolve("service.log"));
    }

    private static String send(TrainingRequest request) throws Exception {
        return TrainingRequests.send(stack.bootstrapServers(), stack.schemaRegistryUrl(), request);
    }

    @Test
    void shouldResumeFromTheSavedEpochAndSucceedOnceWhenKilledMidTraining() throws Exception {
        Path store = tmp.resolve("killed-store");
        String id =
                send(SmallRequests.small("crash-model", 8).setTrainLimit(512).build());
        try (StatusReader<TrainingStatus> statuses = StatusReader.statuses(kafka, StatusPublisher.TOPIC)) {
            int seenBeforeKill;
            try (ChildService first = child(store)) {
                TrainingStatus progress = statuses.await(
                        s -> s.getRequestId().equals(id)
                                && s.getState() == TrainingJobState.RUNNING
                                && s.getEpoch() >= 1,
                        TIMEOUT,
                        "a first epoch");
                first.kill();
                seenBeforeKill = progress.getEpoch();
            }
            assertThat(statuses.all()).noneMatch(ended(id));
            int before = statuses.all().size();
            JobJournal journal = new JobJournal(store.resolve(ModelStore.JOBS));
            assertThat(journal.find(id).orElseThrow().state()).isEqualTo(JobState.RUNNING);
            int saved = journal.find(id).orElseThrow().epoch();
            assertThat(saved).isBetween(seenBeforeKill, 7);

            try (ChildService second = child(store)) {
                TrainingStatus done = statuses.await(ended(id), TIMEOUT, "the end after the restart");
                assertThat(done.getState()).as(String.valueOf(done.getError())).isEqualTo(TrainingJobState.SUCCEEDED);
                List<TrainingStatus> after = StatusReader.of(
                        statuses.all().subList(before, statuses.all().size()), id);
                // the restarted service starts where the state was saved, not at epoch 0
                assertThat(after.get(0).getState()).isEqualTo(TrainingJobState.RUNNING);
                assertThat(after.get(0).getEpoch()).isEqualTo(saved);
                List<Integer> epochs = after.stream()
                        .filter(s -> s.getState() == TrainingJobState.RUNNING && s.getLoss() != null)
                        .map(TrainingStatus::getEpoch)
                        .toList();
                assertThat(epochs).isNotEmpty().first().isEqualTo(saved + 1);
                assertThat(epochs).last().isEqualTo(8);
                assertThat(done.getModelVersion()).isEqualTo(1);
                second.terminate();
            }
            List<TrainingStatus> all = StatusReader.of(statuses.drain(Duration.ofSeconds(1)), id);
            assertThat(all)
                    .filteredOn(s -> s.getState() == TrainingJobState.SUCCEEDED)
                    .hasSize(1);
            assertThat(new ModelStore(store).versions("crash-model")).containsExactly(1);
        }
        try (StatusReader<ModelCheckpoint> models = StatusReader.models(kafka, CheckpointAnnouncer.DEFAULT_TOPIC)) {
            models.await(m -> m.getModelName().equals("crash-model"), TIMEOUT, "the announcement");
            assertThat(models.drain(Duration.ofSeconds(1)))
                    .filteredOn(m -> m.getModelName().equals("crash-model"))
                    .extracting(ModelCheckpoint::getVersion)
                    .containsExactly(1);
        }
    }

    @Test
    @Tag("slow")
    void shouldKeepVersionsMonotonicAndNotTrainARequestAgainWhenTheServiceRestarts() throws Exception {
        Path store = tmp.resolve("restarted-store");
        TrainingRequest first = SmallRequests.small("restart-model", 1).build();
        try (StatusReader<TrainingStatus> statuses = StatusReader.statuses(kafka, StatusPublisher.TOPIC)) {
            try (ChildService service = child(store)) {
                send(first);
                String second = send(SmallRequests.small("restart-model", 1).build());
                assertThat(statuses.await(ended(first.getRequestId()), TIMEOUT, "v1")
                                .getModelVersion())
                        .isEqualTo(1);
                assertThat(statuses.await(ended(second), TIMEOUT, "v2").getModelVersion())
                        .isEqualTo(2);
                service.terminate();
            }
            try (ChildService service = child(store)) {
                String third = send(SmallRequests.small("restart-model", 1).build());
                assertThat(statuses.await(ended(third), TIMEOUT, "v3").getModelVersion())
                        .isEqualTo(3);
                send(first);
                statuses.await(
                        s -> s.getRequestId().equals(first.getRequestId())
                                && s.getState() == TrainingJobState.SUCCEEDED
                                && s.getInstance() != null
                                && StatusReader.of(statuses.all(), first.getRequestId()).stream()
                                                .filter(x -> x.getState() == TrainingJobState.SUCCEEDED)
                                                .count()
                                        == 2,
                        TIMEOUT,
                        "the first request's final status again");
                service.terminate();
            }
            List<TrainingStatus> firstStatuses = StatusReader.of(statuses.all(), first.getRequestId());
            assertThat(firstStatuses)
                    .filteredOn(s -> s.getState() == TrainingJobState.SUCCEEDED)
                    .extracting(TrainingStatus::getModelVersion)
                    .containsExactly(1, 1);
            assertThat(firstStatuses)
                    .filteredOn(s -> s.getState() == TrainingJobState.RUNNING && s.getLoss() != null)
                    .hasSize(1);
            assertThat(new ModelStore(store).versions("restart-model")).containsExactly(1, 2, 3);
        }
    }
}
