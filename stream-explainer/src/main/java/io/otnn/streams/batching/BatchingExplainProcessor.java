package io.otnn.streams.batching;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.explain.input.RejectionKind;
import io.otnn.streams.engine.BatchExplainer;
import io.otnn.streams.engine.ExplanationEngine;
import io.otnn.streams.engine.ModelInfo;
import io.otnn.streams.errors.OutputGuard;
import io.otnn.streams.fidelity.OnlineFidelity;
import io.otnn.streams.format.RecordFormat;
import io.otnn.streams.input.ImageReader;
import io.otnn.streams.input.ReceivedImage;
import io.otnn.streams.metrics.MetricsSample;
import io.otnn.streams.records.DeadLetterRecord;
import io.otnn.streams.records.ExplanationRecord;
import io.otnn.streams.time.EventTime;

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
 *   <li>right before every commit of the task, whatever the batch's size, through the {@link PreCommitHook}.</li>
 * </ul>
 * The task that runs a batch forwards the outcomes of its own images at once; those of the thread's other tasks
 * wait until their own task runs ({@code process}, its punctuator, its pre-commit hook), so that an outcome only
 * ever joins a transaction that commits its own image's offset: a task left out of a commit (a corrupted one,
 * which Kafka Streams closes dirty while it commits the others) has forwarded nothing of what it has not committed.
 *
 * <h2>Why this is exactly-once</h2>
 * Kafka Streams commits the offset of every record handed to {@link #process}, whether or not anything has been
 * forwarded for it. The last rule makes that safe: no commit can happen while an image waits, so an offset is only
 * ever committed in the transaction that carries its image's explanation (or dead letter). A crash loses the
 * waiting images together with their uncommitted offsets, and they are read again. Under exactly-once the
 * explanations become visible at the commit anyway, so the commit is a natural batch boundary: at light load a
 * batch is whatever arrived since the last commit, and batching adds nothing to the latency.
 */
public final class BatchingExplainProcessor implements Processor<byte[], byte[], String, Outcome> {

    private static final Logger LOG = LoggerFactory.getLogger(BatchingExplainProcessor.class);

    private final BatchSettings settings;
    private final ThreadBatches batches;
    private final ExplanationEngine engine;
    private final RecordFormat format;
    private final MetricPartials partials;

    private ProcessorContext<String, Outcome> context;
    private ProcessorScope<String, Outcome> scope;
    private ModelInfo model;
    private ImageReader reader;
    private DeadLetters deadLetters;
    private BatchRun batchRun;
    private BatchExplainer explainer;
    private OutputGuard guard;
    private boolean open;

    public BatchingExplainProcessor(BatchSettings settings, ThreadBatches batches, ExplanationEngine engine,
                                    RecordFormat format) {
        this.settings = settings;
        this.batches = batches;
        this.engine = engine;
        this.format = format;
        this.partials = new MetricPartials(settings.metricsWindowMs(), settings.epsilons());
    }

    @Override
    public void init(ProcessorContext<String, Outcome> context) {
        this.context = context;
        this.scope = ProcessorScope.of(context);
        // a revived task (after an aborted transaction) reads again from its last commit
        batches.dropAll(this);
        open = true;
        this.model = engine.model();
        this.reader = new ImageReader(format, model, settings.maxImageBytes());
        this.deadLetters = new DeadLetters(model, settings.application());
        this.guard = OutputGuard.from(context.appConfigs());
        if (explainer == null) {
            this.explainer = engine.newExplainer();
        }
        BatchExplainer forward = explainer;
        OnlineFidelity fidelity = settings.fidelity().enabled()
                ? new OnlineFidelity(settings.fidelity(), model.input(), forward::logits) : null;
        this.batchRun = new BatchRun(explainer, new ExplanationBuilder(model, settings.application()),
                context::currentSystemTimeMs, fidelity);
        PreCommitHook hook = context.getStateStore(settings.hookName());
        hook.beforeCommit(() -> {
            if (!batches.waiting().isEmpty()) {
                explainThreadBatch();
            }
            forwardDecided();
        });
        long tick = Math.max(1, Math.min(settings.maxWaitMs() / 4, 25));
        context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, this::onTick);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        forwardDecided();
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        ReceivedImage received = new ReceivedImage(meta.topic(), meta.partition(), meta.offset(), record.timestamp(),
                context.currentSystemTimeMs(), record.key(), record.value());
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
        batch.add(new WaitingImage(this, received, image.input(), image.pixels(), time, scope.origin()));
        if (batch.size() >= settings.maxBatchSize()) {
            explainThreadBatch();
            forwardDecided();
        }
    }

    private void onTick(long now) {
        forwardDecided();
        List<WaitingImage> batch = batches.waiting();
        if (!batch.isEmpty() && now - batch.get(0).received().receivedAt() >= settings.maxWaitMs()) {
            explainThreadBatch();
            forwardDecided();
        }
    }

    /** Gives an outcome to every image waiting on this stream thread, oldest first, in batches of at most maxBatchSize. */
    private void explainThreadBatch() {
        List<WaitingImage> waiting = batches.takeWaiting();
        // only a task closed on another thread could leave images behind; its offsets were not committed
        waiting.removeIf(image -> !image.owner().open);
        for (int from = 0; from < waiting.size(); from += settings.maxBatchSize()) {
            List<WaitingImage> batch = List.copyOf(waiting.subList(from,
                    Math.min(waiting.size(), from + settings.maxBatchSize())));
            batchRun.run(batch);
            batches.decided(batch);
        }
    }

    /** Forwards the outcomes of this task's images that have one, then this task's share of the metric figures. */
    private void forwardDecided() {
        List<WaitingImage> mine = batches.takeDecided(this);
        if (mine.isEmpty()) {
            return;
        }
        scope.runAsProcessor(() -> {
            for (WaitingImage image : mine) {
                forwardOutcome(image);
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
            LOG.warn("The explanation of image {} could not be produced; it becomes a dead letter: {}",
                    image.input().imageId(), failure.toString());
            forwardDeadLetter(image.received(), new RejectedRecordException(RejectionKind.PRODUCTION,
                    "the explanation could not be produced: " + failure, image.input().imageId(), failure),
                    image.origin());
        }
    }

    private void forwardExplanation(WaitingImage image, ExplanationRecord explanation) {
        ReceivedImage received = image.received();
        Optional<String> refused = guard.refusal(received.topic(), received.partition(), received.offset(),
                explanation);
        if (refused.isPresent()) {
            forwardDeadLetter(received, new RejectedRecordException(RejectionKind.PRODUCTION, refused.get(),
                    explanation.imageId(), null), image.origin());
            return;
        }
        // the record timestamp and window use the time policy's time; the payload keeps the event time
        long eventTime = image.eventTime();
        Outcome outcome = new Outcome.Explained(explanation);
        scope.forward(new Record<>(explanation.imageId(), outcome, eventTime,
                OutputGuard.sourceHeaders(received.topic(), received.partition(), received.offset())), image.origin());
        count(MetricsSample.of(explanation), eventTime);
        if (image.fidelity() != null) {
            partials.addFidelity(image.fidelity(), eventTime);
        }
    }

    /** With an {@code origin}, for an image that waited in a batch; without, for the record being processed. */
    private void forwardDeadLetter(ReceivedImage received, RejectedRecordException e, ProcessorScope.Origin origin) {
        long now = context.currentSystemTimeMs();
        DeadLetterRecord deadLetter = deadLetters.of(received, e, now);
        Optional<String> refusedBefore = e.kind() == RejectionKind.PRODUCTION ? Optional.empty()
                : guard.refusedBefore(received.topic(), received.partition(), received.offset());
        if (refusedBefore.isPresent() || !guard.fits(deadLetter)) {
            deadLetter = deadLetters.withoutValue(deadLetter, refusedBefore
                    .map(reason -> "the broker refused this dead letter before: " + reason)
                    .orElse("too large for the dead-letter topic"));
        }
        long timestamp = refusedBefore.isPresent() ? deadLetter.failedAt()
                : guard.policy().recordTimestamp(received.timestamp(), received.receivedAt());
        LOG.debug("Dead letter {} at {}-{}@{}: {}", e.kind(), received.topic(), received.partition(),
                received.offset(), e.getMessage());
        Outcome outcome = new Outcome.Rejected(deadLetter);
        forward(new Record<>(deadLetter.imageId(), outcome, timestamp,
                OutputGuard.sourceHeaders(received.topic(), received.partition(), received.offset())), origin);
        count(MetricsSample.of(deadLetter), timestamp);
    }

    private void count(MetricsSample sample, long eventTime) {
        partials.add(sample, eventTime);
    }

    /** Forwards the figures counted since the last flush, one record per window, keyed by model@version. */
    private void flushPartials(ProcessorScope.Origin origin) {
        String modelKey = model.name() + "@" + model.version();
        partials.flush((figures, timestamp) -> forward(new Record<>(modelKey, new Outcome.MetricsPartial(figures),
                timestamp), origin));
    }

    private void forward(Record<String, Outcome> record, ProcessorScope.Origin origin) {
        if (origin == null) {
            context.forward(record);
        } else {
            scope.forward(record, origin);
        }
    }

    @Override
    public void close() {
        open = false;
        int dropped = batches.dropAll(this);
        if (dropped > 0) {
            // a clean close commits first, so this is a dirty one: the offsets of these images are not committed
            LOG.info("Task {}: {} image(s) were waiting at close; they will be read again from the last commit",
                    context.taskId(), dropped);
        }
        if (explainer != null) {
            explainer.close();
            explainer = null;
        }
    }
}
