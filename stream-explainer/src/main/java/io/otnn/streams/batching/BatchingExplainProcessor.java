package io.otnn.streams.batching;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.deadletter.RejectionKind;
import io.otnn.streams.engine.BatchExplainer;
import io.otnn.streams.engine.ExplanationEngine;
import io.otnn.streams.engine.ImageResult;
import io.otnn.streams.engine.ModelInfo;
import io.otnn.streams.errors.OutputGuard;
import io.otnn.streams.format.RecordFormat;
import io.otnn.streams.metrics.MetricsAccumulator;
import io.otnn.streams.metrics.MetricsSample;
import io.otnn.streams.records.DeadLetterRecord;
import io.otnn.streams.records.ExplanationRecord;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.time.EventTime;
import io.otnn.streams.topology.CompactTensors;
import io.otnn.streams.topology.ImageValidator;
import io.otnn.streams.topology.Outcome;

/**
 * Validates images, holds the valid ones in memory and explains them in micro-batches: one model call per batch,
 * one {@link Outcome} per input record. A batch gathers the images of all the tasks of a stream thread
 * ({@link ThreadBatches}); each outcome is forwarded by the task that read the image.
 *
 * <h2>When a batch runs</h2>
 * <ul>
 *   <li>from {@link #process} as soon as {@code maxBatchSize} images wait;</li>
 *   <li>from a wall-clock punctuator once the oldest waiting image has waited {@code maxWaitMs};</li>
 *   <li>right before every commit of the task, whatever the batch's size, through the {@link PreCommitHook}.</li>
 * </ul>
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

    private final String hookName;
    private final ExplanationEngine engine;
    private final RecordFormat format;
    private final int maxBatchSize;
    private final long maxWaitMs;
    private final int maxImageBytes;
    private final String application;
    private final long metricsWindowMs;
    private final List<Double> epsilons;
    private final ThreadBatches batches;
    /** the current batch's metric figures per window start; forwarded and cleared after each batch */
    private final Map<Long, MetricsAccumulator> partials = new TreeMap<>();
    /** latest event time counted in each window: the partial's timestamp, so that stream time advances as usual */
    private final Map<Long, Long> partialTimes = new TreeMap<>();

    private ProcessorContext<String, Outcome> context;
    private ProcessorScope<String, Outcome> scope;
    private BatchExplainer explainer;
    private ModelInfo model;
    private ImageValidator validator;
    private OutputGuard guard;
    private boolean open;

    public BatchingExplainProcessor(String hookName, ThreadBatches batches, ExplanationEngine engine,
                                    RecordFormat format,
                                    int maxBatchSize, long maxWaitMs, int maxImageBytes, String application,
                                    long metricsWindowMs, List<Double> epsilons) {
        this.hookName = hookName;
        this.batches = batches;
        this.engine = engine;
        this.format = format;
        this.maxBatchSize = maxBatchSize;
        this.maxWaitMs = maxWaitMs;
        this.maxImageBytes = maxImageBytes;
        this.application = application;
        this.metricsWindowMs = metricsWindowMs;
        this.epsilons = List.copyOf(epsilons);
    }

    @Override
    public void init(ProcessorContext<String, Outcome> context) {
        this.context = context;
        this.scope = ProcessorScope.of(context);
        // a revived task (after an aborted transaction) reads again from its last commit
        batches.dropAll(this);
        open = true;
        this.model = engine.model();
        this.validator = new ImageValidator(model, maxImageBytes);
        this.guard = OutputGuard.from(context.appConfigs());
        if (explainer == null) {
            this.explainer = engine.newExplainer();
        }
        PreCommitHook hook = context.getStateStore(hookName);
        hook.beforeCommit(() -> {
            if (!batches.current().isEmpty()) {
                explainThreadBatch();
            }
        });
        long tick = Math.max(1, Math.min(maxWaitMs / 4, 25));
        context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, this::onTick);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        long now = context.currentSystemTimeMs();
        PendingImage pending = new PendingImage(meta.topic(), meta.partition(), meta.offset(), record.timestamp(),
                now, record.key(), record.value());
        ImageInput input;
        float[] pixels;
        try {
            input = read(pending);
            pixels = validator.decode(input);
        } catch (RejectedRecordException e) {
            forwardDeadLetter(pending, e);
            flushPartials(null);
            return;
        }
        List<WaitingImage> batch = batches.current();
        batch.add(new WaitingImage(this, pending, input, pixels, scope.origin()));
        if (batch.size() >= maxBatchSize) {
            explainThreadBatch();
        }
    }

    private void onTick(long now) {
        List<WaitingImage> batch = batches.current();
        if (!batch.isEmpty() && now - batch.get(0).source().receivedAt() >= maxWaitMs) {
            explainThreadBatch();
        }
    }

    /** Explains every image waiting on this stream thread, oldest first, in batches of at most maxBatchSize. */
    private void explainThreadBatch() {
        List<WaitingImage> waiting = batches.takeAll();
        // only a task closed on another thread could leave images behind; its offsets were not committed
        waiting.removeIf(image -> !image.owner().open);
        for (int from = 0; from < waiting.size(); from += maxBatchSize) {
            explainBatch(waiting.subList(from, Math.min(waiting.size(), from + maxBatchSize)));
        }
    }

    private void explainBatch(List<WaitingImage> batch) {
        long batchStart = context.currentSystemTimeMs();
        float[][] pixels = new float[batch.size()][];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = batch.get(i).pixels();
        }
        long modelStart = System.nanoTime();
        List<ImageResult> results;
        try {
            results = explainer.explain(pixels);
            if (results.size() != batch.size()) {
                throw new IllegalStateException("the engine returned " + results.size() + " results for "
                        + batch.size() + " images");
            }
        } catch (RuntimeException batchFailure) {
            explainOneByOne(batch, batchStart, batchFailure);
            return;
        }
        double modelMs = (System.nanoTime() - modelStart) / 1e6;
        // each task forwards the outcomes of its own images, then its share of the batch's figures
        Map<BatchingExplainProcessor, List<Integer>> byOwner = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            byOwner.computeIfAbsent(batch.get(i).owner(), owner -> new ArrayList<>()).add(i);
        }
        byOwner.forEach((owner, indices) -> owner.scope.runAsProcessor(() -> {
            for (int i : indices) {
                owner.forwardExplanation(batch.get(i), results.get(i), batchStart, modelMs, batch.size());
            }
            owner.flushPartials(batch.get(indices.get(indices.size() - 1)).origin());
        }));
    }

    /** A failed batch is retried image by image, so that one poisonous image does not sink the others. */
    private void explainOneByOne(List<WaitingImage> batch, long batchStart, RuntimeException batchFailure) {
        LOG.warn("Model call failed for a batch of {} image(s), retrying one by one: {}", batch.size(),
                batchFailure.toString());
        for (WaitingImage image : batch) {
            BatchingExplainProcessor owner = image.owner();
            long modelStart = System.nanoTime();
            List<ImageResult> result;
            try {
                result = explainer.explain(new float[][] {image.pixels()});
            } catch (RuntimeException e) {
                owner.scope.runAsProcessor(() -> {
                    owner.forwardDeadLetter(image.source(), new RejectedRecordException(RejectionKind.MODEL_ERROR,
                            "the model call failed: " + e, image.input().imageId(), e), image.origin());
                    owner.flushPartials(image.origin());
                });
                continue;
            }
            double modelMs = (System.nanoTime() - modelStart) / 1e6;
            owner.scope.runAsProcessor(() -> {
                owner.forwardExplanation(image, result.get(0), batchStart, modelMs, 1);
                owner.flushPartials(image.origin());
            });
        }
    }

    /** Parses the record and checks its key; {@link ImageValidator#decode} checks the image. */
    private ImageInput read(PendingImage pending) throws RejectedRecordException {
        if (pending.value() == null || pending.value().length == 0) {
            throw new RejectedRecordException(RejectionKind.EMPTY_VALUE, "the record has no value",
                    keyText(pending.key()), null);
        }
        ImageInput input;
        try {
            input = format.readImage(pending.topic(), new RecordHeaders(), pending.value());
        } catch (RejectedRecordException e) {
            throw e.imageId() == null ? e.withImageId(keyText(pending.key())) : e;
        }
        if (pending.key() == null) {
            throw new RejectedRecordException(RejectionKind.MISSING_KEY,
                    "the record has no key; images are keyed by their id", input.imageId(), null);
        }
        return input;
    }

    private void forwardExplanation(WaitingImage image, ImageResult result, long batchStart, double modelMs,
                                    int batchSize) {
        PendingImage pending = image.source();
        ImageInput input = image.input();
        long now = context.currentSystemTimeMs();
        // the record timestamp, window and latencies use the time policy's time; the payload keeps the event time
        EventTime time = guard.policy().decide(input.eventTime(), pending.timestamp(), pending.receivedAt());
        long eventTime = time.timestamp();
        List<Float> scores = new ArrayList<>(result.scores().length);
        for (float score : result.scores()) {
            scores.add(score);
        }
        ExplanationRecord explanation = new ExplanationRecord(input.imageId(), model.name(), model.version(),
                result.predicted(), model.className(result.predicted()), result.runnerUp(),
                model.className(result.runnerUp()), scores, result.margin(), result.radius(),
                result.certificateFactor(), result.lipschitz(), input.label(),
                CompactTensors.encode(result.saliency(), model.height(), model.width(), model.channels()),
                CompactTensors.encode(result.counterfactual(), model.height(), model.width(), model.channels()),
                result.counterfactualClass(), result.t(), result.distance(), result.boundaryDistance(),
                result.boundaryResidual(),
                Math.max(0, batchStart - eventTime), modelMs, Math.max(0, now - eventTime), batchSize, application,
                input.eventTime(), now, time.adjustment());
        Optional<String> refused = guard.refusal(pending.topic(), pending.partition(), pending.offset(), explanation);
        if (refused.isPresent()) {
            forwardDeadLetter(pending, new RejectedRecordException(RejectionKind.PRODUCTION, refused.get(),
                    input.imageId(), null), image.origin());
            return;
        }
        Outcome outcome = new Outcome.Explained(explanation);
        scope.forward(new Record<>(input.imageId(), outcome, eventTime,
                OutputGuard.sourceHeaders(pending.topic(), pending.partition(), pending.offset())), image.origin());
        count(outcome, eventTime);
    }

    private void forwardDeadLetter(PendingImage pending, RejectedRecordException e) {
        forwardDeadLetter(pending, e, null);
    }

    /** With an {@code origin}, for an image that waited in a batch; without, for the record being processed. */
    private void forwardDeadLetter(PendingImage pending, RejectedRecordException e, ProcessorScope.Origin origin) {
        String imageId = e.imageId() != null ? e.imageId() : keyText(pending.key());
        DeadLetterRecord deadLetter = new DeadLetterRecord(imageId, e.kind().name(), e.getMessage(), pending.topic(),
                pending.partition(), pending.offset(), pending.key(), pending.value(), pending.timestamp(),
                context.currentSystemTimeMs(), application, model.name(), model.version());
        Optional<String> refusedBefore = e.kind() == RejectionKind.PRODUCTION ? Optional.empty()
                : guard.refusedBefore(pending.topic(), pending.partition(), pending.offset());
        if (refusedBefore.isPresent() || !guard.fits(deadLetter)) {
            deadLetter = new DeadLetterRecord(imageId, e.kind().name(), e.getMessage() + " (the original value of "
                    + (pending.value() == null ? 0 : pending.value().length) + " bytes is left out: "
                    + refusedBefore.map(reason -> "the broker refused this dead letter before: " + reason)
                            .orElse("too large for the dead-letter topic") + ")",
                    pending.topic(), pending.partition(), pending.offset(), pending.key(), null, pending.timestamp(),
                    deadLetter.failedAt(), application, model.name(), model.version());
        }
        long timestamp = refusedBefore.isPresent() ? deadLetter.failedAt()
                : guard.policy().recordTimestamp(pending.timestamp(), pending.receivedAt());
        LOG.debug("Dead letter {} at {}-{}@{}: {}", e.kind(), pending.topic(), pending.partition(), pending.offset(),
                e.getMessage());
        Outcome outcome = new Outcome.Rejected(deadLetter);
        forward(new Record<>(imageId, outcome, timestamp,
                OutputGuard.sourceHeaders(pending.topic(), pending.partition(), pending.offset())), origin);
        count(outcome, timestamp);
    }

    private void count(Outcome outcome, long eventTime) {
        long windowStart = eventTime - Math.floorMod(eventTime, metricsWindowMs);
        partials.computeIfAbsent(windowStart, w -> new MetricsAccumulator(epsilons.size()))
                .add(MetricsSample.of(outcome), epsilons);
        partialTimes.merge(windowStart, eventTime, Math::max);
    }

    /** Forwards the figures counted since the last flush, one record per window, keyed by model@version. */
    private void flushPartials(ProcessorScope.Origin origin) {
        String modelKey = model.name() + "@" + model.version();
        partials.forEach((windowStart, figures) -> forward(new Record<>(modelKey,
                new Outcome.MetricsPartial(figures), partialTimes.get(windowStart)), origin));
        partials.clear();
        partialTimes.clear();
    }

    private void forward(Record<String, Outcome> record, ProcessorScope.Origin origin) {
        if (origin == null) {
            context.forward(record);
        } else {
            scope.forward(record, origin);
        }
    }

    private static String keyText(byte[] key) {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
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
