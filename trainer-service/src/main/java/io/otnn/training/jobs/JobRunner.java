package io.otnn.training.jobs;

import io.otnn.avro.ModelCheckpoint;
import io.otnn.avro.TrainingRequest;
import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.trainer.EpochListener;
import io.otnn.trainer.EpochProgress;
import io.otnn.trainer.ExportTarget;
import io.otnn.trainer.Trainer;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.TrainingResult;
import io.otnn.trainer.announce.CheckpointAnnouncer;
import io.otnn.trainer.data.DataException;
import io.otnn.trainer.train.StopSignal;
import io.otnn.training.requests.RequestRejectedException;
import io.otnn.training.requests.TrainingRequestValidator;
import io.otnn.training.status.StatusPublisher;
import io.otnn.training.store.CheckpointArchive;
import io.otnn.training.store.ModelStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job from the journal to its end: train (resuming from the job's state), allocate the version and record it,
 * export and verify into the store, archive, announce, record SUCCEEDED, publish it. Every step is recorded before the
 * next one, so that after a crash the job goes on from the last recorded step: a job whose version is recorded and
 * whose checkpoint is complete is not trained again, only archived and announced (with the same version).
 */
public final class JobRunner {

    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    /** What the export needs at least beyond the training state's size (the checkpoint and its archive). */
    public static final long DEFAULT_RESERVE_BYTES = 64L << 20;

    private final ModelStore store;
    private final JobJournal journal;
    private final StatusPublisher status;
    private final CheckpointAnnouncer announcer;
    private final ToIntFunction<String> announcedMax;
    private final Function<ModelStore.Served, String> uriOf;
    private final long reserveBytes;
    private volatile StopSignal current;
    private volatile boolean stopping;

    public JobRunner(
            ModelStore store,
            JobJournal journal,
            StatusPublisher status,
            CheckpointAnnouncer announcer,
            ToIntFunction<String> announcedMax,
            Function<ModelStore.Served, String> uriOf,
            long reserveBytes) {
        this.store = store;
        this.journal = journal;
        this.status = status;
        this.announcer = announcer;
        this.announcedMax = announcedMax;
        this.uriOf = uriOf;
        this.reserveBytes = reserveBytes;
    }

    /** Asks the running job to save its state and return; the job stays RUNNING in the journal, resumed at start. */
    public void requestStop() {
        stopping = true;
        StopSignal s = current;
        if (s != null) s.request();
    }

    /** Runs the job of {@code requestId}; returns its record (non-terminal when it was stopped). */
    public JobRecord run(String requestId) throws IOException, InterruptedException {
        JobRecord job = journal.find(requestId).orElseThrow(() -> new IOException("no job " + requestId));
        if (job.state().terminal()) return job;
        try {
            job = job.withState(job.state() == JobState.EXPORTED ? JobState.EXPORTED : JobState.RUNNING);
            journal.write(job);
            if (job.version() == null || !store.isComplete(job.modelName(), job.version())) {
                TrainedJob trained = train(job);
                if (trained == null) return journal.find(requestId).orElseThrow();
                job = trained.job();
            } else {
                LOG.info(
                        "{}: version {} of {} is already exported; announcing it",
                        requestId,
                        job.version(),
                        job.modelName());
                try {
                    status.running(job, job.epochs());
                } catch (Exception e) {
                    LOG.warn("{}: could not publish RUNNING: {}", requestId, describe(e));
                }
            }
            return publish(job);
        } catch (RequestRejectedException e) {
            return end(journal.find(requestId).orElse(job), JobState.REJECTED, e.getMessage());
        } catch (DataException e) {
            return end(journal.find(requestId).orElse(job), JobState.REJECTED, "unreadable data: " + e.getMessage());
        } catch (InterruptedException e) {
            throw e;
        } catch (UncheckedIOException e) {
            return end(journal.find(requestId).orElse(job), JobState.FAILED, describe(e.getCause()));
        } catch (Exception e) {
            return end(journal.find(requestId).orElse(job), JobState.FAILED, describe(e));
        }
    }

    private record TrainedJob(JobRecord job) {}

    private TrainedJob train(JobRecord queued) throws Exception {
        String id = queued.requestId();
        TrainingRequest request = journal.request(id);
        Path jobDir = journal.dirOf(id);
        TrainingConfig config =
                TrainingRequestValidator.toConfig(request, jobDir.resolve("checkpoint"), journal.stateDir(id));
        JobRecord[] job = {queued};
        StopSignal stop = new StopSignal();
        current = stop;
        if (stopping) stop.request();
        Trainer trainer = new Trainer(stop)
                .withEpochListener(new EpochListener() {
                    @Override
                    public void started(int completedEpochs, int epochs, String device) {
                        job[0] = job[0].withEpoch(completedEpochs);
                        if (completedEpochs > 0) LOG.info("{}: resuming after epoch {}", id, completedEpochs);
                        try {
                            status.running(job[0], completedEpochs);
                        } catch (Exception e) {
                            LOG.warn("{}: could not publish RUNNING: {}", id, describe(e));
                        }
                    }

                    @Override
                    public void epochEnded(EpochProgress progress) {
                        job[0] = job[0].withEpoch(progress.epoch());
                        try {
                            journal.write(job[0]);
                            status.progress(job[0], progress);
                        } catch (Exception e) {
                            LOG.warn("{}: could not record epoch {}: {}", id, progress.epoch(), describe(e));
                        }
                    }
                })
                .withExportTarget(c -> {
                    job[0] = target(job[0], config);
                    return new ExportTarget.Target(
                            store.checkpointDir(job[0].modelName(), job[0].version()), job[0].version());
                });
        TrainingResult result;
        try {
            result = trainer.train(config);
        } finally {
            current = null;
        }
        if (result.stopped()) {
            LOG.info("{}: stopped after epoch {}; resumed at the next start", id, result.epochsCompleted());
            return null;
        }
        JobRecord exported =
                job[0].exported(result.manifestDigest(), result.evaluation().testAccuracy());
        journal.write(exported);
        return new TrainedJob(exported);
    }

    /**
     * The version, allocated once and recorded before the export: after a crash the recorded one is used again.
     * Refuses to export (an IOException, so FAILED) when the store's file system lacks the space it needs.
     */
    private JobRecord target(JobRecord job, TrainingConfig config) throws IOException {
        long needed = ModelStore.sizeOf(config.effectiveStateDir()) + reserveBytes;
        long usable = store.usableSpace();
        if (usable < needed) {
            throw new IOException(String.format(
                    Locale.ROOT,
                    "no space left for the export: %.1f MB usable in %s, about %.1f MB needed",
                    usable / 1e6,
                    store.root(),
                    needed / 1e6));
        }
        if (job.version() != null) {
            store.removeStaging(job.modelName(), job.version());
            java.nio.file.Files.createDirectories(store.checkpointDir(job.modelName(), job.version()));
            return job;
        }
        int version = store.allocateVersion(job.modelName(), announcedMax);
        JobRecord allocated = job.withVersion(version);
        journal.write(allocated);
        LOG.info("{}: {} version {} allocated", job.requestId(), job.modelName(), version);
        return allocated;
    }

    /** Archive, announce, SUCCEEDED: each repeatable with the same result after a crash. */
    private JobRecord publish(JobRecord job) throws Exception {
        String name = job.modelName();
        int version = job.version();
        Path dir = store.checkpointDir(name, version);
        CheckpointManifest manifest = CheckpointManifest.read(dir);
        manifest.verify(dir);
        ModelMetadata metadata = ModelMetadata.read(dir.resolve(ModelMetadata.FILE_NAME));
        CheckpointArchive.write(dir, store.archive(name, version));
        String uri = uriOf.apply(new ModelStore.Served(name, version, store.archive(name, version)));
        ModelCheckpoint event = CheckpointAnnouncer.event(dir, metadata, manifest.digest());
        event.setUri(uri);
        try {
            announcer.announce(event);
        } catch (Exception e) {
            throw new IOException(
                    "version " + version + " is exported and served but its announcement failed: " + describe(e), e);
        }
        double accuracy = metadata.evaluationFigure("testAccuracy");
        JobRecord done = new JobRecord(
                        job.requestId(),
                        name,
                        job.sequence(),
                        JobState.EXPORTED,
                        job.epochs(),
                        job.epochs(),
                        version,
                        uri,
                        manifest.digest(),
                        Double.isNaN(accuracy) ? null : accuracy,
                        null,
                        false,
                        job.acceptedAtMillis(),
                        System.currentTimeMillis())
                .succeeded(uri);
        journal.write(done);
        try {
            status.ended(done);
            journal.write(done.withFinalStatusSent());
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            LOG.warn("{}: SUCCEEDED, but its status is not published yet: {}", job.requestId(), describe(e));
        }
        ModelStore.deleteTree(journal.stateDir(job.requestId()));
        LOG.info("{}: {} version {} published at {}", job.requestId(), name, version, uri);
        return done;
    }

    private JobRecord end(JobRecord job, JobState state, String why) throws IOException, InterruptedException {
        String line = TrainingRequestValidator.oneLine(why);
        LOG.warn("{}: {} ({})", job.requestId(), state, line);
        if (job.version() != null) store.releaseIfEmpty(job.modelName(), job.version());
        JobRecord ended = job.ended(state, line);
        journal.write(ended);
        try {
            status.ended(ended);
            journal.write(ended.withFinalStatusSent());
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            LOG.warn("{}: could not publish {}: {}", job.requestId(), state, describe(e));
        }
        return ended;
    }

    static String describe(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.ExecutionException || t instanceof UncheckedIOException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return TrainingRequestValidator.oneLine(
                m == null || m.isBlank() ? t.getClass().getSimpleName() : m);
    }
}
