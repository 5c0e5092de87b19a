package io.otnn.streams.batching;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.input.RejectionKind;
import io.otnn.streams.batching.commit.ImageBuffer;
import io.otnn.streams.batching.commit.Origin;
import io.otnn.streams.batching.commit.TaskBuffer;
import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.errors.OutputGuard;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.explaining.ExplanationEngine;
import io.otnn.streams.explaining.ServedModel;
import io.otnn.streams.fidelity.OnlineFidelity;
import io.otnn.streams.format.RecordFormat;
import io.otnn.streams.input.ImageReader;
import io.otnn.streams.input.ReceivedImage;
import io.otnn.streams.metrics.MetricsSample;
import io.otnn.streams.monitoring.ExplainerMeters;
import io.otnn.streams.shadow.ComparisonPartials;
import io.otnn.streams.shadow.ModelPair;
import io.otnn.streams.shadow.ShadowExplainer;
import io.otnn.streams.shadow.ShadowModel;
import io.otnn.streams.time.EventTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads images, holds the valid ones in memory and explains them in micro-batches: one model call per batch,
 * one {@link Outcome} per input record. A batch gathers the images of all the tasks of a stream thread
 * ({@link ThreadBatches}); each outcome is forwarded by the task that read the image. The parts: {@link ImageReader}
 * parses and decodes, {@link BatchRun} gives each image of a batch its outcome (with the retry),
 * {@link DeadLetters} and {@link MetricPartials} build what is forwarded besides explanations; the fidelity of the
 * sampled images ({@link OnlineFidelity}) is measured in the batch and counted with their explanation, so that it
 * joins the transaction that commits their offsets.
 *
 * <h2>When a batch runs</h2>
 * <ul>
 *   <li>from {@link #process} as soon as {@code maxBatchSize} images wait;</li>
 *   <li>from a wall-clock punctuator once the oldest waiting image has waited {@code maxWaitMs};</li>
 *   <li>with {@link io.otnn.streams.batching.commit.InMemoryBeforeCommit}: right before every commit of the task,
 *       whatever the batch's size.</li>
 * </ul>
 * With {@code commit.after.batch} a batch then asks Kafka Streams for a commit ({@link CommitAfterBatch}), which
 * publishes its explanations without waiting for the commit interval; the commit runs every task's pre-commit hook
 * first, as any other.
 * The task that runs a batch forwards the outcomes of its own images at once; those of the thread's other tasks
 * wait until their own task runs ({@code process}, its punctuator, its pre-commit hook), so that an outcome only
 * ever joins a transaction that commits its own image's offset: a task left out of a commit (a corrupted one,
 * which Kafka Streams closes dirty while it commits the others) has forwarded nothing of what it has not committed.
 *
 * <h2>Why this is exactly-once</h2>
 * Kafka Streams commits the offset of every record handed to {@link #process}, whether or not anything has been
 * forwarded for it. The {@link ImageBuffer} makes that safe: in memory, no commit happens while an image waits, so
 * an offset is only ever committed in the transaction that carries its image's explanation (or dead letter);
 * changelogged, an offset may be committed while its image waits, in the transaction that writes the image to the
 * store's changelog, and the image is restored from it after a crash ({@link TaskBuffer#restored}).
 */
public final class BatchingExplainProcessor implements Processor<byte[], byte[], String, Outcome> {

    private static final Logger LOG = LoggerFactory.getLogger(BatchingExplainProcessor.class);

    private final BatchSettings settings;
    private final ThreadBatches batches;
    private final ServedModel served;
    private final RecordFormat format;
    private final MetricPartials partials;
    private final ImageBuffer buffer;
    /** the shadow model and its comparison figures, or {@code null} without a shadow */
    private final ShadowModel shadow;

    private final ComparisonPartials comparisons;
    private ShadowExplainer shadowExplainer;

    private ProcessorContext<String, Outcome> context;
    private TaskBuffer<String, Outcome> taskBuffer;
    /** images restored from the buffer at init, read at the task's first process() or punctuation */
    private List<TaskBuffer.Kept> restored = List.of();

    private ModelMetadata model;
    /** the slot's generation this task's explainer, builder, dead letters, fidelity and batch run were made for */
    private long generation = -1;

    private ImageReader reader;
    private DeadLetters deadLetters;
    private BatchRun batchRun;
    private BatchExplainer explainer;
    private OutputGuard guard;
    private ExplainerMeters meters;
    private boolean open;

    public BatchingExplainProcessor(
            BatchSettings settings,
            ThreadBatches batches,
            ImageBuffer buffer,
            ExplanationEngine engine,
            RecordFormat format) {
        this(settings, batches, buffer, ServedModel.fixed(engine), format, null);
    }

    /**
     * @param served the model slot asked before each batch's model call (a live swap changes its engine)
     * @param shadow a shadow model that explains every explained image too, or {@code null} for none
     */
    public BatchingExplainProcessor(
            BatchSettings settings,
            ThreadBatches batches,
            ImageBuffer buffer,
            ServedModel served,
            RecordFormat format,
            ShadowModel shadow) {
        this.shadow = shadow;
        this.comparisons = shadow == null ? null : new ComparisonPartials(settings.metricsWindowMs());
        this.settings = settings;
        this.buffer = buffer;
        this.batches = batches;
        this.served = served;
        this.format = format;
        this.partials = new MetricPartials(settings.metricsWindowMs(), settings.epsilons());
    }

    @Override
    public void init(ProcessorContext<String, Outcome> context) {
        this.context = context;
        // a revived task (after an aborted transaction) reads again from its last commit
        batches.dropAll(this);
        open = true;
        this.guard = OutputGuard.from(context.appConfigs());
        this.meters = ExplainerMeters.from(context.appConfigs());
        if (shadow != null && shadowExplainer == null) {
            shadowExplainer = shadow.newExplainer();
        }
        refreshModel();
        this.taskBuffer = buffer.open(context, () -> {
            if (!batches.waiting().isEmpty()) {
                explainThreadBatch();
            }
            forwardDecided();
        });
        this.restored = new ArrayList<>(taskBuffer.restored());
        if (!restored.isEmpty()) {
            LOG.info(
                    "Task {}: {} image(s) restored from the waiting-image store; explaining them",
                    context.taskId(),
                    restored.size());
        }
        long tick = Math.max(1, Math.min(settings.maxWaitMs() / 4, 25));
        context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, this::onTick);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        forwardDecided();
        acceptRestored();
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        ReceivedImage received = new ReceivedImage(
                meta.topic(),
                meta.partition(),
                meta.offset(),
                record.timestamp(),
                context.currentSystemTimeMs(),
                record.key(),
                record.value());
        ImageReader.DecodedImage image;
        try {
            image = reader.read(received);
        } catch (RejectedRecordException e) {
            forwardDeadLetter(received, e, null);
            flushPartials(null);
            return;
        }
        List<WaitingImage> batch = batches.waiting();
        EventTime time = guard.policy().decide(image.input().eventTime(), received.timestamp(), received.receivedAt());
        batch.add(new WaitingImage(this, received, image.input(), image.pixels(), time, taskBuffer.keep(received)));
        if (batch.size() >= settings.maxBatchSize()) {
            explainAndForward();
        }
    }

    private void onTick(long now) {
        // also here, so that a task that runs no batch releases a swapped-out engine within a tick
        refreshModel();
        forwardDecided();
        acceptRestored();
        List<WaitingImage> batch = batches.waiting();
        if (!batch.isEmpty() && now - batch.get(0).received().receivedAt() >= settings.maxWaitMs()) {
            explainAndForward();
        }
    }

    /**
     * Runs the thread's waiting images and forwards this task's outcomes; when a batch asks for it
     * ({@code commit.after.batch}), requests a commit at Kafka Streams' next chance (right after this call returns to
     * the stream thread) rather than at the next {@code commit.interval.ms}. With exactly-once v2 that commits every
     * task of the thread, each forwarding its decided outcomes from its pre-commit hook first.
     */
    private void explainAndForward() {
        boolean commit = explainThreadBatch();
        forwardDecided();
        if (commit) {
            context.commit();
        }
    }

    /** Puts the images restored at init among the waiting ones; those that no longer read are dead letters. */
    private void acceptRestored() {
        if (restored.isEmpty()) {
            return;
        }
        List<TaskBuffer.Kept> kept = restored;
        restored = List.of();
        for (TaskBuffer.Kept image : kept) {
            ReceivedImage received = image.image();
            ImageReader.DecodedImage decoded;
            try {
                decoded = reader.read(received);
            } catch (RejectedRecordException e) {
                forwardDeadLetter(received, e, image.origin());
                taskBuffer.release(image.origin());
                continue;
            }
            EventTime time =
                    guard.policy().decide(decoded.input().eventTime(), received.timestamp(), received.receivedAt());
            batches.waiting()
                    .add(new WaitingImage(this, received, decoded.input(), decoded.pixels(), time, image.origin()));
        }
        flushPartials(null);
    }

    /**
     * Rebuilds this task's explainer, post-processing, dead letters, fidelity and batch run when the slot serves a new
     * generation; called on the stream thread between model calls, so a swap never lands inside one.
     *
     * <p>Per partition the version never goes back: a partition's images are explained by the one stream thread that
     * owns it, in one batch list per thread, oldest first, and its batches run one after another; each asks the slot
     * for its generation right before its model call, and a slot's generations only grow (each swap is a new
     * generation, a rollback included). So a later batch of the partition never runs on an earlier generation than a
     * batch before it. Across instances it holds once they have converged on one version (they follow one topic).
     */
    private void refreshModel() {
        for (int attempt = 0; ; attempt++) {
            ServedModel.Serving now = served.current();
            if (now.generation() == generation && explainer != null) {
                return;
            }
            BatchExplainer next;
            try {
                next = meters.timed(now.engine().newExplainer());
            } catch (IllegalStateException swappedOut) {
                // swapped out and closed between current() and newExplainer(): the slot serves a newer one
                if (attempt < 3) {
                    continue;
                }
                throw swappedOut;
            }
            adopt(now, next);
            return;
        }
    }

    private void adopt(ServedModel.Serving now, BatchExplainer next) {
        BatchExplainer before = explainer;
        ModelMetadata previous = model;
        this.explainer = next;
        this.generation = now.generation();
        this.model = now.engine().model();
        this.reader = new ImageReader(format, model, settings.maxImageBytes());
        this.deadLetters = new DeadLetters(model, settings.application());
        OnlineFidelity fidelity = settings.fidelity().enabled()
                ? new OnlineFidelity(settings.fidelity(), model.input(), next::logits)
                : null;
        ShadowBatch shadowBatch = shadowExplainer == null
                ? null
                : new ShadowBatch(shadowExplainer, () -> model, settings.application(), shadow.counters(), meters);
        this.batchRun = new BatchRun(
                next,
                new ExplanationBuilder(model, settings.application()),
                context::currentSystemTimeMs,
                fidelity,
                shadowBatch);
        if (before != null) {
            before.close();
        }
        if (previous != null) {
            LOG.info(
                    "Task {}: model {} v{} from now on (was v{}; generation {})",
                    context.taskId(),
                    model.name(),
                    model.version(),
                    previous.version(),
                    generation);
        }
    }

    /**
     * Gives an outcome to every image waiting on this stream thread, oldest first, in batches of at most maxBatchSize.
     *
     * @return whether one of the batches asks for a commit once its outcomes are forwarded ({@code commit.after.batch})
     */
    private boolean explainThreadBatch() {
        List<WaitingImage> waiting = batches.takeWaiting();
        // only a task closed on another thread could leave images behind; its offsets were not committed
        waiting.removeIf(image -> !image.owner().open);
        boolean commit = false;
        for (int from = 0; from < waiting.size(); from += settings.maxBatchSize()) {
            List<WaitingImage> batch =
                    List.copyOf(waiting.subList(from, Math.min(waiting.size(), from + settings.maxBatchSize())));
            refreshModel();
            served.offerSample(batch.get(0).pixels());
            batchRun.run(batch);
            batches.decided(batch);
            commit |= settings.commitsAfter(batch.size());
        }
        return commit;
    }

    /** Forwards the outcomes of this task's images that have one, then this task's share of the metric figures. */
    private void forwardDecided() {
        List<WaitingImage> mine = batches.takeDecided(this);
        if (mine.isEmpty()) {
            return;
        }
        taskBuffer.runAsProcessor(() -> {
            for (WaitingImage image : mine) {
                forwardOutcome(image);
                taskBuffer.release(image.origin());
            }
            flushPartials(mine.get(mine.size() - 1).origin());
        });
    }

    private void forwardOutcome(WaitingImage image) {
        if (image.rejection() != null) {
            forwardDeadLetter(image.received(), image.rejection(), image.origin());
            return;
        }
        try {
            forwardExplanation(image, image.explanation());
        } catch (RuntimeException failure) {
            if (!ForwardingFailures.isTheRecordsOwn(failure)) {
                throw failure;
            }
            LOG.warn(
                    "The explanation of image {} could not be produced; it becomes a dead letter: {}",
                    image.input().imageId(),
                    failure.toString());
            forwardDeadLetter(
                    image.received(),
                    new RejectedRecordException(
                            RejectionKind.PRODUCTION,
                            "the explanation could not be produced: " + failure,
                            image.input().imageId(),
                            failure),
                    image.origin());
        }
    }

    private void forwardExplanation(WaitingImage image, Explanation explanation) {
        ReceivedImage received = image.received();
        Optional<String> refused =
                guard.refusal(received.topic(), received.partition(), received.offset(), explanation);
        if (refused.isPresent()) {
            forwardDeadLetter(
                    received,
                    new RejectedRecordException(
                            RejectionKind.PRODUCTION, refused.get(), explanation.getImageId(), null),
                    image.origin());
            return;
        }
        // the record timestamp and window use the time policy's time; the payload keeps the event time
        long eventTime = image.eventTime();
        Outcome outcome = new Outcome.Explained(explanation);
        taskBuffer.forward(
                new Record<>(
                        explanation.getImageId(),
                        outcome,
                        eventTime,
                        OutputGuard.sourceHeaders(received.topic(), received.partition(), received.offset())),
                image.origin());
        String modelKey = explanation.getModelName() + "@" + explanation.getModelVersion();
        count(modelKey, MetricsSample.of(explanation), eventTime);
        meters.explained(
                (long) explanation.getTimings().getQueuedMs(),
                explanation.getCertificate().getRadius());
        if (image.fidelity() != null) {
            partials.addFidelity(modelKey, image.fidelity(), eventTime);
        }
        if (image.shadowExplanation() != null) {
            forwardShadow(image, explanation);
        }
    }

    /**
     * Forwards the shadow's explanation of an image whose primary explanation was just forwarded, and counts their
     * comparison; one that cannot be written is dropped with a counted warning, never the image's dead letter.
     */
    private void forwardShadow(WaitingImage image, Explanation primary) {
        ReceivedImage received = image.received();
        Explanation explanation = image.shadowExplanation();
        Optional<String> refused =
                guard.shadowRefusal(received.topic(), received.partition(), received.offset(), explanation);
        if (refused.isPresent()) {
            shadow.counters().dropped();
            LOG.warn("The shadow explanation of image {} is dropped: {}", explanation.getImageId(), refused.get());
            return;
        }
        try {
            taskBuffer.forward(
                    new Record<>(
                            explanation.getImageId(),
                            new Outcome.ShadowExplained(explanation),
                            image.eventTime(),
                            OutputGuard.shadowSourceHeaders(received.topic(), received.partition(), received.offset())),
                    image.origin());
        } catch (RuntimeException failure) {
            if (!ForwardingFailures.isTheRecordsOwn(failure)) {
                throw failure;
            }
            shadow.counters().dropped();
            LOG.warn(
                    "The shadow explanation of image {} could not be produced; it is dropped: {}",
                    explanation.getImageId(),
                    failure.toString());
            return;
        }
        shadow.counters().explained();
        meters.shadowExplained();
        comparisons.add(
                new ModelPair(
                        primary.getModelName(),
                        primary.getModelVersion(),
                        explanation.getModelName(),
                        explanation.getModelVersion()),
                image.comparison(),
                image.eventTime());
    }

    /** With an {@code origin}, for an image that waited in a batch; without, for the record being processed. */
    private void forwardDeadLetter(ReceivedImage received, RejectedRecordException e, Origin origin) {
        long now = context.currentSystemTimeMs();
        DeadLetter deadLetter = deadLetters.of(received, e, now);
        Optional<String> refusedBefore = e.kind() == RejectionKind.PRODUCTION
                ? Optional.empty()
                : guard.refusedBefore(received.topic(), received.partition(), received.offset());
        if (refusedBefore.isPresent() || !guard.fits(deadLetter)) {
            deadLetter = deadLetters.withoutValue(
                    deadLetter,
                    refusedBefore
                            .map(reason -> "the broker refused this dead letter before: " + reason)
                            .orElse("too large for the dead-letter topic"));
        }
        long timestamp = refusedBefore.isPresent()
                ? deadLetter.getTime().toEpochMilli()
                : guard.policy().recordTimestamp(received.timestamp(), received.receivedAt());
        LOG.debug(
                "Dead letter {} at {}-{}@{}: {}",
                e.kind(),
                received.topic(),
                received.partition(),
                received.offset(),
                e.getMessage());
        Outcome outcome = new Outcome.Rejected(deadLetter);
        forward(
                new Record<>(
                        DeadLetters.imageId(received, e),
                        outcome,
                        timestamp,
                        OutputGuard.sourceHeaders(received.topic(), received.partition(), received.offset())),
                origin);
        count(deadLetter.getModelName() + "@" + deadLetter.getModelVersion(), MetricsSample.of(deadLetter), timestamp);
        meters.deadLettered(
                deadLetter.getRejectionKind() != null
                        ? deadLetter.getRejectionKind()
                        : e.kind().name());
    }

    private void count(String modelKey, MetricsSample sample, long eventTime) {
        partials.add(modelKey, sample, eventTime);
    }

    /**
     * Forwards the figures counted since the last flush, one record per window and model version, keyed by the
     * model@version of the outcomes counted in it.
     */
    private void flushPartials(Origin origin) {
        partials.flush((modelKey, figures, timestamp) ->
                forward(new Record<>(modelKey, new Outcome.MetricsPartial(figures), timestamp), origin));
        if (comparisons != null) {
            comparisons.flush((pairKey, figures, timestamp) ->
                    forward(new Record<>(pairKey, new Outcome.ComparisonPartial(figures), timestamp), origin));
        }
    }

    private void forward(Record<String, Outcome> record, Origin origin) {
        if (origin == null) {
            context.forward(record);
        } else {
            taskBuffer.forward(record, origin);
        }
    }

    @Override
    public void close() {
        open = false;
        int dropped = batches.dropAll(this);
        if (dropped > 0) {
            LOG.info("Task {}: {} image(s) were waiting at close; {}", context.taskId(), dropped, taskBuffer.atClose());
        }
        if (explainer != null) {
            explainer.close();
            explainer = null;
        }
        if (shadowExplainer != null) {
            shadowExplainer.close();
            shadowExplainer = null;
        }
    }
}
