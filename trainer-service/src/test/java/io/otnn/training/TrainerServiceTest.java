package io.otnn.training;

import static io.otnn.training.testing.StatusReader.ended;
import static io.otnn.training.testing.StatusReader.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.ModelCheckpoint;
import io.otnn.avro.Task;
import io.otnn.avro.TrainingJobState;
import io.otnn.avro.TrainingRequest;
import io.otnn.avro.TrainingStatus;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.checkpoint.ModelStoreHttp;
import io.otnn.explain.checkpoint.Checkpoint;
import io.otnn.local.LocalStack;
import io.otnn.trainer.announce.CheckpointAnnouncer;
import io.otnn.training.kafka.KafkaSettings;
import io.otnn.training.requests.TrainingRequests;
import io.otnn.training.status.StatusPublisher;
import io.otnn.training.testing.SmallRequests;
import io.otnn.training.testing.StatusReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service in this JVM on the embedded broker and registry, training for real on the committed sample. */
class TrainerServiceTest {

    static final Duration TIMEOUT = Duration.ofMinutes(4);

    static LocalStack stack;
    static KafkaSettings kafka;
    static TrainerService service;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        stack = LocalStack.start();
        kafka = new KafkaSettings(stack.bootstrapServers(), stack.schemaRegistryUrl());
        service = TrainerService.builder()
                .kafka(stack.bootstrapServers(), stack.schemaRegistryUrl())
                .store(tmp.resolve("store"))
                .httpPort(0)
                .instanceId("test-instance")
                .build()
                .start();
    }

    @AfterAll
    static void stop() {
        if (service != null) service.close();
        if (stack != null) stack.close();
    }

    private static String send(TrainingRequest request) throws Exception {
        return TrainingRequests.send(stack.bootstrapServers(), stack.schemaRegistryUrl(), request);
    }

    @Test
    void shouldTrainExportServeAndAnnounceWhenARequestArrives() throws Exception {
        String id = send(SmallRequests.small("served-model", 2).build());
        try (StatusReader<TrainingStatus> statuses = StatusReader.statuses(kafka, StatusPublisher.TOPIC);
                StatusReader<ModelCheckpoint> models = StatusReader.models(kafka, CheckpointAnnouncer.DEFAULT_TOPIC)) {
            TrainingStatus done = statuses.await(ended(id), TIMEOUT, "end of " + id);
            assertThat(done.getState()).as(String.valueOf(done.getError())).isEqualTo(TrainingJobState.SUCCEEDED);
            List<TrainingStatus> mine = StatusReader.of(statuses.all(), id);
            assertThat(mine.get(0).getState()).isEqualTo(TrainingJobState.QUEUED);
            List<TrainingStatus> epochs = mine.stream()
                    .filter(s -> s.getState() == TrainingJobState.RUNNING && s.getLoss() != null)
                    .toList();
            assertThat(epochs).extracting(TrainingStatus::getEpoch).containsExactly(1, 2);
            for (TrainingStatus s : epochs) {
                assertThat(s.getEpochs()).isEqualTo(2);
                assertThat(s.getLoss()).isFinite();
                assertThat(s.getAccuracy()).isBetween(0.0, 1.0);
                assertThat(s.getImagesPerSecond()).isPositive();
                assertThat(s.getEtaSeconds()).isNotNegative();
                assertThat(s.getDevice()).isEqualTo("CPU");
                assertThat(s.getInstance()).isEqualTo("test-instance");
            }
            assertThat(epochs.get(0).getEtaSeconds()).isPositive();
            assertThat(epochs.get(1).getEtaSeconds()).isZero();

            assertThat(done.getModelVersion()).isEqualTo(1);
            String url = service.httpUrl().orElseThrow() + ModelStoreHttp.path("served-model", 1);
            assertThat(done.getCheckpointUri()).isEqualTo(url).startsWith("http://127.0.0.1:");

            ModelCheckpoint announced =
                    models.await(m -> m.getModelName().equals("served-model"), TIMEOUT, "announcement of served-model");
            assertThat(announced.getVersion()).isEqualTo(1);
            assertThat(announced.getUri()).isEqualTo(url);

            HttpResponse<Path> download = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(url)).build(),
                            HttpResponse.BodyHandlers.ofFile(tmp.resolve("downloaded.tar.gz")));
            assertThat(download.statusCode()).isEqualTo(200);
            assertThat(download.headers().firstValue(ModelStoreHttp.MANIFEST_DIGEST_HEADER))
                    .hasValue(announced.getManifestDigest());
            try (Checkpoint loaded = Checkpoint.open(download.body())) {
                assertThat(loaded.digest()).isEqualTo(announced.getManifestDigest());
                ModelMetadata m = loaded.metadata();
                assertThat(m.name()).isEqualTo("served-model");
                assertThat(m.version()).isEqualTo(1);
                assertThat(done.getAccuracy()).isEqualTo(m.evaluationFigure("testAccuracy"));
                assertThat(announced.getTestAccuracy()).isEqualTo(m.evaluationFigure("testAccuracy"));
            }
        }
    }

    @Test
    void shouldQueueTheSecondRequestWhileTheFirstRunsAndGiveItTheNextVersionWhenTwoArrive() throws Exception {
        String first = send(SmallRequests.small("queued-model", 2).build());
        String second = send(SmallRequests.small("queued-model", 1).build());
        try (StatusReader<TrainingStatus> statuses = StatusReader.statuses(kafka, StatusPublisher.TOPIC)) {
            TrainingStatus firstDone = statuses.await(ended(first), TIMEOUT, "end of the first");
            TrainingStatus secondDone = statuses.await(ended(second), TIMEOUT, "end of the second");
            assertThat(firstDone.getState()).isEqualTo(TrainingJobState.SUCCEEDED);
            assertThat(secondDone.getState()).isEqualTo(TrainingJobState.SUCCEEDED);
            TrainingStatus secondQueued = statuses.await(state(second, TrainingJobState.QUEUED), TIMEOUT, "queued");
            TrainingStatus firstRunning = statuses.await(state(first, TrainingJobState.RUNNING), TIMEOUT, "running");
            TrainingStatus secondRunning =
                    statuses.await(state(second, TrainingJobState.RUNNING), TIMEOUT, "second running");
            // QUEUED while the first ran; RUNNING only once the first had ended
            assertThat(secondQueued.getTime()).isBefore(firstDone.getTime());
            assertThat(firstRunning.getTime()).isBefore(firstDone.getTime());
            assertThat(secondRunning.getTime()).isAfterOrEqualTo(firstDone.getTime());
            assertThat(firstDone.getModelVersion()).isEqualTo(1);
            assertThat(secondDone.getModelVersion()).isEqualTo(2);
            assertThat(service.store().versions("queued-model")).containsExactly(1, 2);
        }
    }

    @Test
    void shouldTakeTheVersionAboveOneAnnouncedElsewhereAndNotTrainAgainWhenTheRequestIdRepeats() throws Exception {
        ModelCheckpoint foreign = ModelCheckpoint.newBuilder()
                .setModelName("shared-model")
                .setVersion(7)
                .setUri("file:/elsewhere/7")
                .setManifestDigest("0".repeat(64))
                .setTask(Task.MULTICLASS)
                .setClassNames(List.of("a", "b"))
                .setInputShape(List.of(28, 28, 1))
                .setLipschitzConstant(1.0)
                .setCertificateFactor(Math.sqrt(2))
                .setCertifiedAccuracy(List.of())
                .setCreatedTime(Instant.now())
                .build();
        try (KafkaProducer<String, ModelCheckpoint> p = new KafkaProducer<>(kafka.producer())) {
            p.send(new ProducerRecord<>(CheckpointAnnouncer.DEFAULT_TOPIC, "shared-model", foreign))
                    .get();
        }
        TrainingRequest request = SmallRequests.small("shared-model", 1).build();
        String id = send(request);
        try (StatusReader<TrainingStatus> statuses = StatusReader.statuses(kafka, StatusPublisher.TOPIC)) {
            TrainingStatus done = statuses.await(ended(id), TIMEOUT, "end of " + id);
            assertThat(done.getState()).as(String.valueOf(done.getError())).isEqualTo(TrainingJobState.SUCCEEDED);
            assertThat(done.getModelVersion()).isEqualTo(8);

            send(request);
            statuses.await(
                    s -> s.getRequestId().equals(id)
                            && s.getState() == TrainingJobState.SUCCEEDED
                            && !s.getTime().equals(done.getTime()),
                    TIMEOUT,
                    "the final status published again");
            List<TrainingStatus> mine = StatusReader.of(statuses.all(), id);
            assertThat(mine)
                    .filteredOn(s -> s.getState() == TrainingJobState.SUCCEEDED)
                    .extracting(TrainingStatus::getModelVersion)
                    .containsExactly(8, 8);
            assertThat(mine)
                    .filteredOn(s -> s.getState() == TrainingJobState.QUEUED)
                    .hasSize(1);
            assertThat(service.store().versions("shared-model")).containsExactly(8);
        }
    }

    @Test
    void shouldRejectOrFailEachBadRequestWithItsReasonAndStillServeTheNextWhenRequestsAreBad() throws Exception {
        Path missing = tmp.resolve("no-such-data");
        List<TrainingRequest> bad = List.of(
                SmallRequests.small("bad-model", 1).setDataSource("cifar-100").build(),
                SmallRequests.small("bad-model", 0).build(),
                SmallRequests.small("bad-model", 1).setLambda(-1.0).build(),
                SmallRequests.small("bad-model", 1).setLambda(0.0).build(),
                SmallRequests.small("bad-model", 1).setLearningRate("fast").build(),
                SmallRequests.small("../bad-model", 1).build(),
                SmallRequests.small("bad-model", 1)
                        .setDataDir(missing.toString())
                        .build());
        List<String> reasons = List.of(
                "unknown data source 'cifar-100'",
                "epochs must be at least 1",
                "lambda must be > 0",
                "lambda must be > 0",
                "learning",
                "bad model name '../bad-model'",
                "unreadable data: " + missing);
        for (TrainingRequest r : bad) send(r);
        String good = send(SmallRequests.small("bad-model", 1).build());
        try (StatusReader<TrainingStatus> statuses = StatusReader.statuses(kafka, StatusPublisher.TOPIC)) {
            for (int i = 0; i < bad.size(); i++) {
                TrainingStatus s = statuses.await(ended(bad.get(i).getRequestId()), TIMEOUT, "end of bad " + i);
                assertThat(s.getState()).isEqualTo(TrainingJobState.REJECTED);
                assertThat(s.getError()).contains(reasons.get(i)).doesNotContain("\n");
            }
            TrainingStatus done = statuses.await(ended(good), TIMEOUT, "end of the good request");
            assertThat(done.getState()).as(String.valueOf(done.getError())).isEqualTo(TrainingJobState.SUCCEEDED);
            assertThat(done.getModelVersion()).isEqualTo(1);
        }
    }

    @Test
    void shouldFailWithNoSpaceAndKeepServingWhenTheStoreLacksTheSpaceForTheExport() throws Exception {
        Path store = tmp.resolve("small-store");
        long usable = Files.getFileStore(tmp).getUsableSpace();
        try (TrainerService tight = TrainerService.builder()
                .kafka(stack.bootstrapServers(), stack.schemaRegistryUrl())
                .store(store)
                .topics("tight.requests", "tight.status", CheckpointAnnouncer.DEFAULT_TOPIC)
                .groupId("tight")
                .reserveBytes(usable * 4)
                .build()
                .start()) {
            KafkaSettings k = new KafkaSettings(stack.bootstrapServers(), stack.schemaRegistryUrl());
            String first = TrainingRequests.send(
                    k, "tight.requests", SmallRequests.small("tight-model", 1).build());
            String second = TrainingRequests.send(
                    k, "tight.requests", SmallRequests.small("tight-model", 1).build());
            try (StatusReader<TrainingStatus> statuses = StatusReader.statuses(kafka, "tight.status")) {
                for (String id : List.of(first, second)) {
                    TrainingStatus s = statuses.await(ended(id), TIMEOUT, "end of " + id);
                    assertThat(s.getState()).isEqualTo(TrainingJobState.FAILED);
                    assertThat(s.getError())
                            .startsWith("no space left for the export")
                            .contains("MB usable");
                }
            }
            assertThat(tight.store().versions("tight-model")).isEmpty();
        }
    }
}
