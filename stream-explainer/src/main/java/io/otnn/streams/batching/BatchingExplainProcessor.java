package io.otnn.streams.batching;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.deadletter.RejectionKind;
import io.otnn.streams.engine.BatchExplainer;
import io.otnn.streams.engine.ExplanationEngine;
import io.otnn.streams.engine.ImageResult;
import io.otnn.streams.engine.ModelInfo;
import io.otnn.streams.format.RecordFormat;
import io.otnn.streams.metrics.MetricsAccumulator;
import io.otnn.streams.metrics.MetricsSample;
import io.otnn.streams.records.DeadLetterRecord;
import io.otnn.streams.records.ExplanationRecord;
import io.otnn.streams.records.ImageInput;
import io.otnn.streams.topology.CompactTensors;
import io.otnn.streams.topology.ImageValidator;
import io.otnn.streams.topology.Outcome;

/**
 * Validates images, parks the valid ones in a changelogged store and explains them in micro-batches: one model
 * call per batch, one {@link Outcome} per input record.
 *
 * <h2>Why a store and not a list</h2>
 * Kafka Streams commits the offset of every record handed to {@link #process}, whether or not anything has been
 * forwarded for it. A pending image therefore lives in {@code pendingStore}, whose changelog is written in the
 * same transaction as the offsets (exactly-once v2): after a crash the store is restored and its images are
 * explained then. Entries are deleted, in the same transaction, once their explanation is forwarded.
 *
 * <h2>When a batch runs</h2>
 * Eagerly from {@link #process} as soon as {@code maxBatchSize} images wait, and from a wall-clock punctuator
 * once the oldest waiting image has waited {@code maxWaitMs}. Images restored from the changelog are explained at
 * the first tick.
 */
public final class BatchingExplainProcessor implements Processor<byte[], byte[], String, Outcome> {

    private static final Logger LOG = LoggerFactory.getLogger(BatchingExplainProcessor.class);

    private final String storeName;
    private final ExplanationEngine engine;
    private final RecordFormat format;
    private final int maxBatchSize;
    private final long maxWaitMs;
    private final int maxImageBytes;
    private final String application;
    private final long metricsWindowMs;
    private final List<Double> epsilons;
    /** the current batch's metric figures per window start; forwarded and cleared before process/punctuate returns */
    private final Map<Long, MetricsAccumulator> partials = new TreeMap<>();
    /** latest event time counted in each window: the partial's timestamp, so that stream time advances as usual */
    private final Map<Long, Long> partialTimes = new TreeMap<>();

    private ProcessorContext<String, Outcome> context;
    private KeyValueStore<Long, PendingImage> pendingStore;
    private BatchExplainer explainer;
    private ModelInfo model;
    private ImageValidator validator;
    private int pendingCount;
    /** wall clock of the oldest pending image's arrival, or Long.MIN_VALUE when it came from the changelog */
    private long oldestWaitingSince;

    public BatchingExplainProcessor(String storeName, ExplanationEngine engine, RecordFormat format,
                                    int maxBatchSize, long maxWaitMs, int maxImageBytes, String application,
                                    long metricsWindowMs, List<Double> epsilons) {
        this.storeName = storeName;
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
        this.pendingStore = context.getStateStore(storeName);
        this.model = engine.model();
        this.validator = new ImageValidator(model, maxImageBytes);
        this.explainer = engine.newExplainer();
        pendingCount = 0;
        try (KeyValueIterator<Long, PendingImage> all = pendingStore.all()) {
            while (all.hasNext()) {
                all.next();
                pendingCount++;
            }
        }
        oldestWaitingSince = Long.MIN_VALUE;
        if (pendingCount > 0) {
            LOG.info("Task {}: {} image(s) restored from the pending store, explaining them at the first tick",
                    context.taskId(), pendingCount);
        }
        long tick = Math.max(1, Math.min(maxWaitMs / 2, 50));
        context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, this::onTick);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        long now = context.currentSystemTimeMs();
        PendingImage pending = new PendingImage(meta.topic(), meta.partition(), meta.offset(), record.timestamp(),
                now, record.key(), record.value());
        try {
            read(pending);
        } catch (RejectedRecordException e) {
            forwardDeadLetter(pending, e);
            flushPartials();
            return;
        }
        pendingStore.put(pending.offset(), pending);
        if (pendingCount == 0) {
            oldestWaitingSince = now;
        }
        pendingCount++;
        if (pendingCount >= maxBatchSize) {
            drain(true);
        }
    }

    private void onTick(long now) {
        if (pendingCount > 0 && (oldestWaitingSince == Long.MIN_VALUE || now - oldestWaitingSince >= maxWaitMs)) {
            drain(false);
        }
    }

    /** Explains pending images oldest first; with {@code onlyFull}, full batches only. */
    private void drain(boolean onlyFull) {
        while (pendingCount > 0 && (!onlyFull || pendingCount >= maxBatchSize)) {
            List<KeyValue<Long, PendingImage>> batch = new ArrayList<>(Math.min(pendingCount, maxBatchSize));
            try (KeyValueIterator<Long, PendingImage> all = pendingStore.all()) {
                while (all.hasNext() && batch.size() < maxBatchSize) {
                    batch.add(all.next());
                }
            }
            if (batch.isEmpty()) {
                pendingCount = 0;
                break;
            }
            explainBatch(batch);
            flushPartials();
            for (KeyValue<Long, PendingImage> entry : batch) {
                pendingStore.delete(entry.key);
            }
            pendingCount -= batch.size();
        }
        if (pendingCount <= 0) {
            pendingCount = 0;
        }
        oldestWaitingSince = context.currentSystemTimeMs();
    }

    private void explainBatch(List<KeyValue<Long, PendingImage>> batch) {
        long batchStart = context.currentSystemTimeMs();
        List<PendingImage> images = new ArrayList<>(batch.size());
        List<ImageInput> inputs = new ArrayList<>(batch.size());
        List<float[]> pixels = new ArrayList<>(batch.size());
        for (KeyValue<Long, PendingImage> entry : batch) {
            PendingImage pending = entry.value;
            try {
                ImageInput input = read(pending);
                pixels.add(validator.decode(input));
                images.add(pending);
                inputs.add(input);
            } catch (RejectedRecordException e) {
                // validated on arrival; only a model swap with another input shape gets here
                forwardDeadLetter(pending, e);
            }
        }
        if (images.isEmpty()) {
            return;
        }
        long modelStart = System.nanoTime();
        List<ImageResult> results;
        try {
            results = explainer.explain(pixels.toArray(new float[0][]));
            if (results.size() != images.size()) {
                throw new IllegalStateException("the engine returned " + results.size() + " results for "
                        + images.size() + " images");
            }
        } catch (RuntimeException batchFailure) {
            explainOneByOne(images, inputs, pixels, batchStart, batchFailure);
            return;
        }
        double modelMs = (System.nanoTime() - modelStart) / 1e6;
        for (int i = 0; i < images.size(); i++) {
            forwardExplanation(images.get(i), inputs.get(i), results.get(i), batchStart, modelMs, images.size());
        }
    }

    /** A failed batch is retried image by image, so that one poisonous image does not sink the others. */
    private void explainOneByOne(List<PendingImage> images, List<ImageInput> inputs, List<float[]> pixels,
                                 long batchStart, RuntimeException batchFailure) {
        LOG.warn("Model call failed for a batch of {} image(s), retrying one by one: {}", images.size(),
                batchFailure.toString());
        for (int i = 0; i < images.size(); i++) {
            long modelStart = System.nanoTime();
            try {
                List<ImageResult> result = explainer.explain(new float[][] {pixels.get(i)});
                double modelMs = (System.nanoTime() - modelStart) / 1e6;
                forwardExplanation(images.get(i), inputs.get(i), result.get(0), batchStart, modelMs, 1);
            } catch (RuntimeException e) {
                forwardDeadLetter(images.get(i), new RejectedRecordException(RejectionKind.MODEL_ERROR,
                        "the model call failed: " + e, inputs.get(i).imageId(), e));
            }
        }
    }

    /** Parses and validates; the pixels are decoded (and discarded) so that every rejection happens here. */
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
        validator.decode(input);
        return input;
    }

    private void forwardExplanation(PendingImage pending, ImageInput input, ImageResult result, long batchStart,
                                    double modelMs, int batchSize) {
        long now = context.currentSystemTimeMs();
        long eventTime = input.eventTime() > 0 ? input.eventTime() : pending.timestamp();
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
                eventTime, now);
        Outcome outcome = new Outcome.Explained(explanation);
        context.forward(new Record<>(input.imageId(), outcome, eventTime));
        count(outcome, eventTime);
    }

    private void forwardDeadLetter(PendingImage pending, RejectedRecordException e) {
        String imageId = e.imageId() != null ? e.imageId() : keyText(pending.key());
        DeadLetterRecord deadLetter = new DeadLetterRecord(imageId, e.kind().name(), e.getMessage(), pending.topic(),
                pending.partition(), pending.offset(), pending.key(), pending.value(), pending.timestamp(),
                context.currentSystemTimeMs(), application, model.name(), model.version());
        LOG.debug("Dead letter {} at {}-{}@{}: {}", e.kind(), pending.topic(), pending.partition(), pending.offset(),
                e.getMessage());
        Outcome outcome = new Outcome.Rejected(deadLetter);
        context.forward(new Record<>(imageId, outcome, pending.timestamp()));
        count(outcome, pending.timestamp());
    }

    private void count(Outcome outcome, long eventTime) {
        long windowStart = eventTime - Math.floorMod(eventTime, metricsWindowMs);
        partials.computeIfAbsent(windowStart, w -> new MetricsAccumulator(epsilons.size()))
                .add(MetricsSample.of(outcome), epsilons);
        partialTimes.merge(windowStart, eventTime, Math::max);
    }

    /** Forwards the figures counted since the last flush, one record per window, keyed by model@version. */
    private void flushPartials() {
        String modelKey = model.name() + "@" + model.version();
        partials.forEach((windowStart, figures) -> context.forward(new Record<>(modelKey,
                new Outcome.MetricsPartial(figures), partialTimes.get(windowStart))));
        partials.clear();
        partialTimes.clear();
    }

    private static String keyText(byte[] key) {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (explainer != null) {
            explainer.close();
        }
    }
}
