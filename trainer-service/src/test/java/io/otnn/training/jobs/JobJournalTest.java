package io.otnn.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.TrainingRequest;
import io.otnn.training.requests.TrainingRequests;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobJournalTest {

    @TempDir
    Path tmp;

    @Test
    void shouldReadBackRequestsAndLinesInArrivalOrderWhenReopened() throws Exception {
        JobJournal journal = new JobJournal(tmp);
        TrainingRequest a = TrainingRequests.builder("m", "fashion-mnist", "/data", 3)
                .setRequestId("../../etc/passwd")
                .setTrainLimit(100)
                .build();
        TrainingRequest b = TrainingRequests.builder("m", "koch", null, 1).build();
        journal.accept(b, JobRecord.queued(b.getRequestId(), "m", journal.nextSequence(), 1, 1L));
        journal.accept(a, JobRecord.queued(a.getRequestId(), "m", journal.nextSequence(), 3, 2L));
        journal.write(journal.find(a.getRequestId())
                .orElseThrow()
                .withState(JobState.RUNNING)
                .withVersion(4));

        JobJournal reopened = new JobJournal(tmp);
        assertThat(reopened.all())
                .extracting(JobRecord::requestId)
                .containsExactly(b.getRequestId(), "../../etc/passwd");
        JobRecord ra = reopened.find("../../etc/passwd").orElseThrow();
        assertThat(ra.state()).isEqualTo(JobState.RUNNING);
        assertThat(ra.version()).isEqualTo(4);
        assertThat(reopened.request(a.getRequestId())).isEqualTo(a);
        // the id is hashed into the folder name: it never walks out of the journal
        assertThat(reopened.dirOf(a.getRequestId()).getParent()).isEqualTo(tmp);
        assertThat(reopened.nextSequence()).isEqualTo(3);
    }

    @Test
    void shouldKeepTheLastWholeLineWhenAWriteWasCutBeforeItsRename() throws Exception {
        JobJournal journal = new JobJournal(tmp);
        TrainingRequest a = TrainingRequests.builder("m", "koch", null, 1).build();
        journal.accept(a, JobRecord.queued(a.getRequestId(), "m", 1, 1, 1L));
        // a crash mid-write leaves the temporary file, never a partial job.json
        Files.writeString(journal.dirOf(a.getRequestId()).resolve(JobJournal.JOB_FILE + ".tmp"), "{\"requestId\":");
        Files.createDirectories(tmp.resolve("0123456789abcdef0123456789abcdef")); // a folder without its line yet
        assertThat(new JobJournal(tmp).all()).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo(a.getRequestId());
            assertThat(r.state()).isEqualTo(JobState.QUEUED);
        });
    }
}
