package io.otnn.training;

import io.otnn.avro.TrainingRequest;
import io.otnn.training.jobs.JobJournal;
import io.otnn.training.jobs.JobRecord;
import io.otnn.training.jobs.JobState;
import io.otnn.training.kafka.KafkaSettings;
import io.otnn.training.requests.RequestRejectedException;
import io.otnn.training.requests.TrainingRequestValidator;
import io.otnn.training.status.StatusPublisher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the requests topic and turns each request into a journaled job: validated (REJECTED with its reason when it
 * cannot run), written to the journal, QUEUED published, handed to the worker; only then are the offsets committed. A
 * request id already in the journal is not queued again: a finished one gets its final status published again.
 */
final class RequestIntake implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(RequestIntake.class);

    private final KafkaConsumer<String, TrainingRequest> consumer;
    private final String topic;
    private final JobJournal journal;
    private final StatusPublisher status;
    private final BlockingQueue<String> queue;
    private volatile boolean closing;

    RequestIntake(
            KafkaSettings kafka,
            String groupId,
            String topic,
            JobJournal journal,
            StatusPublisher status,
            BlockingQueue<String> queue) {
        java.util.Map<String, Object> config = kafka.consumer(groupId);
        config.put(org.apache.kafka.clients.consumer.ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        this.consumer = new KafkaConsumer<>(config);
        this.topic = topic;
        this.journal = journal;
        this.status = status;
        this.queue = queue;
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(topic));
            while (!closing) {
                ConsumerRecords<String, TrainingRequest> records;
                try {
                    records = consumer.poll(Duration.ofMillis(500));
                } catch (RecordDeserializationException e) {
                    LOG.warn(
                            "skipping the unreadable record {}-{} at offset {}: {}",
                            topic,
                            e.topicPartition().partition(),
                            e.offset(),
                            TrainingRequestValidator.oneLine(e.getMessage()));
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                    consumer.commitSync(java.util.Map.of(e.topicPartition(), new OffsetAndMetadata(e.offset() + 1)));
                    continue;
                }
                for (ConsumerRecord<String, TrainingRequest> r : records) {
                    accept(r.value());
                    consumer.commitSync(java.util.Map.of(
                            new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1)));
                }
            }
        } catch (WakeupException e) {
            if (!closing) throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Journal first (forced to disk), then QUEUED, then the worker: the caller commits the offset after this. */
    void accept(TrainingRequest request) throws InterruptedException {
        if (request == null) return;
        String id = request.getRequestId();
        try {
            TrainingRequestValidator.requestId(id);
        } catch (RequestRejectedException e) {
            publishRejected(id, request.getModelName(), e.getMessage());
            return;
        }
        try {
            Optional<JobRecord> known = journal.find(id);
            if (known.isPresent()) {
                JobRecord job = known.get();
                LOG.info("{}: already {} (a repeated or re-delivered request)", id, job.state());
                if (job.state().terminal()) status.ended(job);
                return;
            }
            long sequence = journal.nextSequence();
            JobRecord job = JobRecord.queued(id, request.getModelName(), sequence, request.getEpochs(), now());
            try {
                TrainingRequestValidator.toConfig(request, Path.of("out"), Path.of("state"));
            } catch (RequestRejectedException e) {
                JobRecord rejected = job.ended(JobState.REJECTED, e.getMessage());
                journal.accept(request, rejected);
                LOG.warn("{}: REJECTED ({})", id, e.getMessage());
                status.ended(rejected);
                journal.write(rejected.withFinalStatusSent());
                return;
            }
            journal.accept(request, job);
            try {
                status.queued(job);
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                LOG.warn("{}: journaled, but QUEUED is not published: {}", id, e.getMessage());
            }
            queue.put(id);
            LOG.info("{}: {} QUEUED ({} epochs)", id, request.getModelName(), request.getEpochs());
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            publishRejected(id, request.getModelName(), "could not journal the request: " + e.getMessage());
        }
    }

    private void publishRejected(String id, String name, String why) throws InterruptedException {
        String line = TrainingRequestValidator.oneLine(why);
        LOG.warn("{}: REJECTED ({})", id, line);
        try {
            status.rejected(id, name, line);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            LOG.warn("{}: could not publish REJECTED: {}", id, e.getMessage());
        }
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    void close() {
        closing = true;
        consumer.wakeup();
    }
}
