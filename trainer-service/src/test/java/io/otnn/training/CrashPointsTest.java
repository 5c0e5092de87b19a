package io.otnn.training;

import static io.otnn.training.testing.StatusReader.ended;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.otnn.avro.ModelCheckpoint;
import io.otnn.avro.TrainingJobState;
import io.otnn.avro.TrainingRequest;
import io.otnn.avro.TrainingStatus;
import io.otnn.local.LocalStack;
import io.otnn.training.jobs.JobJournal;
import io.otnn.training.jobs.JobRecord;
import io.otnn.training.jobs.JobState;
import io.otnn.training.kafka.KafkaSettings;
import io.otnn.training.requests.TrainingRequests;
import io.otnn.training.store.ModelStore;
import io.otnn.training.testing.SmallRequests;
import io.otnn.training.testing.StatusReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store as a crash at a given point leaves it, then a start on it: each test writes that state with the service's
 * own journal (what the code would have written up to the crash), and its own topics.
 */
class CrashPointsTest {

    static final Duration TIMEOUT = Duration.ofMinutes(4);

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

    private static TrainerService service(String prefix, Path store) throws Exception {
        return TrainerService.builder()
                .kafka(stack.bootstrapServers(), stack.schemaRegistryUrl())
                .store(store)
                .groupId(prefix)
                .topics(prefix + ".requests", prefix + ".status", prefix + ".models")
                .build()
                .start();
    }

    @Test
    void shouldTrainOnceWhenTheRequestWasJournaledButItsOffsetNotCommitted() throws Exception {
        Path store = tmp.resolve("uncommitted");
        TrainingRequest request = SmallRequests.small("uncommitted-model", 1).build();
        // the crash: the request is in the journal (QUEUED), its offset was never committed, so it comes again
        JobJournal journal = new JobJournal(new ModelStore(store).jobs());
        journal.accept(request, JobRecord.queued(request.getRequestId(), "uncommitted-model", 1, 1, 1L));
        TrainingRequests.send(kafka, "uncommitted.requests", request);
        try (TrainerService s = service("uncommitted", store);
                StatusReader<TrainingStatus> statuses = StatusReader.statuses(kafka, "uncommitted.status")) {
            TrainingStatus done = statuses.await(ended(request.getRequestId()), TIMEOUT, "the end");
            assertThat(done.getState()).as(String.valueOf(done.getError())).isEqualTo(TrainingJobState.SUCCEEDED);
            List<TrainingStatus> mine = StatusReader.of(statuses.drain(Duration.ofSeconds(2)), request.getRequestId());
            assertThat(mine)
                    .filteredOn(x -> x.getState() == TrainingJobState.SUCCEEDED)
                    .hasSize(1);
            assertThat(mine)
                    .filteredOn(x -> x.getState() == TrainingJobState.RUNNING && x.getLoss() != null)
                    .hasSize(1);
            assertThat(s.store().versions("uncommitted-model")).containsExactly(1);
        }
    }

    @Test
    void shouldAnnounceTheSameVersionWithoutTrainingWhenTheCrashCameAfterTheExport() throws Exception {
        Path store = tmp.resolve("exported");
        TrainingRequest request = SmallRequests.small("exported-model", 1).build();
        String id = request.getRequestId();
        String digest;
        try (TrainerService s = service("exported", store);
                StatusReader<TrainingStatus> statuses = StatusReader.statuses(kafka, "exported.status")) {
            TrainingRequests.send(kafka, "exported.requests", request);
            TrainingStatus done = statuses.await(ended(id), TIMEOUT, "the first end");
            assertThat(done.getModelVersion()).isEqualTo(1);
        }
        // the crash: the checkpoint is exported (version 1 recorded), not archived, not announced, not SUCCEEDED
        JobJournal journal = new JobJournal(new ModelStore(store).jobs());
        JobRecord succeeded = journal.find(id).orElseThrow();
        digest = succeeded.manifestDigest();
        Path jobFile = journal.dirOf(id).resolve(JobJournal.JOB_FILE);
        ObjectNode line = (ObjectNode) new ObjectMapper().readTree(jobFile.toFile());
        line.put("state", JobState.RUNNING.name());
        line.put("finalStatusSent", false);
        line.putNull("checkpointUri");
        Files.write(jobFile, new ObjectMapper().writeValueAsBytes(line));
        Files.delete(new ModelStore(store).archive("exported-model", 1));

        try (StatusReader<TrainingStatus> statuses = StatusReader.statuses(kafka, "exported.status");
                StatusReader<ModelCheckpoint> models = StatusReader.models(kafka, "exported.models")) {
            int before = statuses.drain(Duration.ofSeconds(1)).size();
            try (TrainerService s = service("exported", store)) {
                statuses.await(
                        x -> x.getRequestId().equals(id)
                                && x.getState() == TrainingJobState.SUCCEEDED
                                && statuses.all().indexOf(x) >= before,
                        TIMEOUT,
                        "SUCCEEDED after the restart");
                List<TrainingStatus> after =
                        statuses.all().subList(before, statuses.all().size());
                // not trained again: no epoch status after the restart
                assertThat(StatusReader.of(after, id))
                        .noneMatch(x -> x.getState() == TrainingJobState.RUNNING && x.getLoss() != null);
                assertThat(StatusReader.of(after, id))
                        .filteredOn(x -> x.getState() == TrainingJobState.SUCCEEDED)
                        .singleElement()
                        .satisfies(x -> assertThat(x.getModelVersion()).isEqualTo(1));
                assertThat(s.store().isServed("exported-model", 1)).isTrue();
                assertThat(s.store().versions("exported-model")).containsExactly(1);
            }
            models.await(m -> m.getModelName().equals("exported-model"), TIMEOUT, "announcements");
            List<ModelCheckpoint> announced = models.drain(Duration.ofSeconds(1));
            // announced before the crash and again after it: the same version and digest, no new version
            assertThat(announced).extracting(ModelCheckpoint::getVersion).containsExactly(1, 1);
            assertThat(announced).extracting(ModelCheckpoint::getManifestDigest).containsOnly(digest);
        }
    }
}
