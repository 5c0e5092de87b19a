package io.otnn.training.status;

import io.otnn.avro.TrainingJobState;
import io.otnn.avro.TrainingStatus;
import io.otnn.trainer.EpochProgress;
import io.otnn.training.jobs.JobRecord;
import io.otnn.training.kafka.KafkaSettings;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes the {@link TrainingStatus} of the requests on the status topic (key: request id): each record is
 * acknowledged before the service goes on, so that a status is never behind the journal by more than one record.
 */
public final class StatusPublisher implements AutoCloseable {

    public static final String TOPIC = "otnn.training.status";
    public static final int PARTITIONS = 3;

    private final KafkaProducer<String, TrainingStatus> producer;
    private final String topic;
    private final String instance;
    private final String device;

    public StatusPublisher(KafkaSettings kafka, String topic, String instance, String device) {
        this.producer = new KafkaProducer<>(kafka.producer());
        this.topic = topic;
        this.instance = instance;
        this.device = device;
    }

    public void queued(JobRecord job) throws InterruptedException, ExecutionException, TimeoutException {
        send(base(job, TrainingJobState.QUEUED).build());
    }

    /** RUNNING at the start of a job (or of its resumption, {@code epoch} > 0). */
    public void running(JobRecord job, int epoch) throws InterruptedException, ExecutionException, TimeoutException {
        send(base(job, TrainingJobState.RUNNING).setEpoch(epoch).build());
    }

    public void progress(JobRecord job, EpochProgress p)
            throws InterruptedException, ExecutionException, TimeoutException {
        send(base(job, TrainingJobState.RUNNING)
                .setEpoch(p.epoch())
                .setLoss(finite(p.loss()))
                .setAccuracy(finite(p.validationAccuracy()))
                .setImagesPerSecond(finite(p.imagesPerSecond()))
                .setEtaSeconds(finite(p.etaSeconds()))
                .build());
    }

    /** The final status of a job as the journal holds it: SUCCEEDED, FAILED or REJECTED. */
    public void ended(JobRecord job) throws InterruptedException, ExecutionException, TimeoutException {
        TrainingJobState state = TrainingJobState.valueOf(job.state().name());
        TrainingStatus.Builder b = base(job, state).setEpoch(job.epoch()).setError(job.error());
        if (state == TrainingJobState.SUCCEEDED) {
            b.setModelVersion(job.version())
                    .setCheckpointUri(job.checkpointUri())
                    .setAccuracy(job.testAccuracy())
                    .setEtaSeconds(0.0);
        }
        send(b.build());
    }

    /** REJECTED before the request could be journaled (e.g. a request id that cannot be used). */
    public void rejected(String requestId, String modelName, String why)
            throws InterruptedException, ExecutionException, TimeoutException {
        send(TrainingStatus.newBuilder()
                .setRequestId(requestId == null ? "" : requestId)
                .setModelName(modelName == null ? "" : modelName)
                .setState(TrainingJobState.REJECTED)
                .setError(why)
                .setDevice(device)
                .setInstance(instance)
                .setTime(Instant.now())
                .build());
    }

    private TrainingStatus.Builder base(JobRecord job, TrainingJobState state) {
        return TrainingStatus.newBuilder()
                .setRequestId(job.requestId())
                .setModelName(job.modelName())
                .setState(state)
                .setEpoch(job.epoch())
                .setEpochs(job.epochs())
                .setDevice(device)
                .setInstance(instance)
                .setTime(Instant.now());
    }

    private void send(TrainingStatus status) throws InterruptedException, ExecutionException, TimeoutException {
        producer.send(new ProducerRecord<>(topic, status.getRequestId(), status))
                .get(KafkaSettings.TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    @Override
    public void close() {
        producer.close();
    }
}
