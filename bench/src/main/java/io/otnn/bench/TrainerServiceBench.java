package io.otnn.bench;

import io.otnn.avro.TrainingJobState;
import io.otnn.avro.TrainingRequest;
import io.otnn.avro.TrainingStatus;
import io.otnn.local.LocalStack;
import io.otnn.trainer.Trainer;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.TrainingResult;
import io.otnn.trainer.announce.CheckpointAnnouncer;
import io.otnn.training.TrainerService;
import io.otnn.training.kafka.KafkaSettings;
import io.otnn.training.requests.TrainingRequests;
import io.otnn.training.status.StatusPublisher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The trainer service's overhead against {@code otnn train}: the same small configuration trained once through the
 * shared path as {@code otnn train} runs it (train, evaluate, export, verify, announce) and once through the service
 * (request sent → SUCCEEDED read on the status topic: intake, journal, status records, version allocation, archive,
 * HTTP-served URI, announcement), in turn for a few rounds, on the local stack in this JVM.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.otnn.bench.TrainerServiceBench DATA_DIR [LIMIT] [EPOCHS] [ROUNDS]}
 */
public final class TrainerServiceBench {

    private TrainerServiceBench() {}

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]).toAbsolutePath();
        int limit = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int testLimit = 1000;
        Path work = Files.createTempDirectory("otnn-trainer-service-bench");
        List<Double> direct = new ArrayList<>();
        List<Double> service = new ArrayList<>();
        try (LocalStack stack = LocalStack.start();
                TrainerService running = TrainerService.builder()
                        .kafka(stack.bootstrapServers(), stack.schemaRegistryUrl())
                        .store(work.resolve("store"))
                        .httpPort(0)
                        .build()
                        .start()) {
            KafkaSettings kafka = new KafkaSettings(stack.bootstrapServers(), stack.schemaRegistryUrl());
            CheckpointAnnouncer announcer =
                    new CheckpointAnnouncer(stack.bootstrapServers(), stack.schemaRegistryUrl(), null);
            try (KafkaConsumer<String, TrainingStatus> statuses = new KafkaConsumer<>(kafka.consumer(null))) {
                List<TopicPartition> partitions = statuses.partitionsFor(StatusPublisher.TOPIC).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
                statuses.assign(partitions);
                statuses.seekToEnd(partitions);
                partitions.forEach(statuses::position);
                for (int round = 0; round <= rounds; round++) {
                    boolean warmUp = round == 0;
                    long t0 = System.nanoTime();
                    TrainingResult r = new Trainer()
                            .train(TrainingConfig.builder()
                                    .setDataset("fashion-mnist")
                                    .optDataDir(data)
                                    .setEpochs(epochs)
                                    .optLimit(limit)
                                    .optTestLimit(testLimit)
                                    .setOut(work.resolve("direct-" + round))
                                    .optName("bench-direct")
                                    .build());
                    announcer.announce(CheckpointAnnouncer.event(r, null));
                    double d = (System.nanoTime() - t0) / 1e9;

                    TrainingRequest request = TrainingRequests.builder(
                                    "bench-service", "fashion-mnist", data.toString(), epochs)
                            .setTrainLimit(limit)
                            .setTestLimit(testLimit)
                            .build();
                    long t1 = System.nanoTime();
                    TrainingRequests.send(stack.bootstrapServers(), stack.schemaRegistryUrl(), request);
                    TrainingStatus end = awaitEnd(statuses, request.getRequestId());
                    double s = (System.nanoTime() - t1) / 1e9;
                    if (end.getState() != TrainingJobState.SUCCEEDED) {
                        throw new IllegalStateException(
                                "the service's job ended " + end.getState() + ": " + end.getError());
                    }
                    System.out.printf(
                            Locale.ROOT,
                            "%s %d: otnn train path %.2f s, service (request -> SUCCEEDED, version %d) %.2f s,"
                                    + " ratio %.3f%n",
                            warmUp ? "warm-up" : "round",
                            round,
                            d,
                            end.getModelVersion(),
                            s,
                            s / d);
                    if (!warmUp) {
                        direct.add(d);
                        service.add(s);
                    }
                }
            }
        }
        deleteTree(work);
        double md = median(direct);
        double ms = median(service);
        System.out.printf(
                Locale.ROOT,
                "median over %d rounds (%d training images, %d epochs, %d test images, dense OTNN):"
                        + " otnn train path %.2f s, service %.2f s, service / otnn train = %.3f (+%.2f s)%n",
                rounds,
                limit,
                epochs,
                testLimit,
                md,
                ms,
                ms / md,
                ms - md);
    }

    private static TrainingStatus awaitEnd(KafkaConsumer<String, TrainingStatus> consumer, String id) {
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, TrainingStatus> r : consumer.poll(Duration.ofMillis(20))) {
                TrainingStatus s = r.value();
                if (s.getRequestId().equals(id)
                        && (s.getState() == TrainingJobState.SUCCEEDED
                                || s.getState() == TrainingJobState.FAILED
                                || s.getState() == TrainingJobState.REJECTED)) {
                    return s;
                }
            }
        }
        throw new IllegalStateException("no end status for " + id + " within 30 minutes");
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
