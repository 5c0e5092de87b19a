package io.otnn.streams.testing;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.avro.ExplanationComparison;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.ImageExplanation;
import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.explaining.ExplainerException;
import io.otnn.streams.explaining.ExplanationEngine;
import io.otnn.streams.format.RecordFormat;
import io.otnn.streams.records.ImageInput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A real engine with injected faults. Either a fixed poison (a batch containing an image that matches it fails the
 * way a model call fails), or a {@link Stage} and a rotation of {@link Position}s: on the k-th model call of more
 * than one image, the images at position {@code positions[k % n]} of that call become victims, and from then on
 * the fault follows each victim into every call it is part of (the retry included).
 *
 * <ul>
 *   <li>{@link Stage#MODEL_CALL}, {@link Stage#PRE_COMMIT_DRAIN}: a call holding a victim throws, as a failed model
 *   call does (the two differ only in what runs the batch: the test's configuration);</li>
 *   <li>{@link Stage#NON_FINITE_RESULT}: a victim's result comes back with a NaN gradient;</li>
 *   <li>{@link Stage#ENCODING}: a victim's counterfactual comes back with the wrong number of values, so that it
 *   cannot be encoded;</li>
 *   <li>{@link Stage#FORWARDING}: the engine answers normally, and {@link #format} refuses to serialise a victim's
 *   explanation in Kafka Streams' sink.</li>
 * </ul>
 */
public final class FaultInjectingEngine implements ExplanationEngine {

    /** Where in a batch's life the fault strikes. */
    public enum Stage {
        MODEL_CALL,
        NON_FINITE_RESULT,
        ENCODING,
        FORWARDING,
        PRE_COMMIT_DRAIN
    }

    /** Which images of a model call become victims. */
    public enum Position {
        FIRST,
        MIDDLE,
        LAST,
        ALL
    }

    private final ExplanationEngine real;
    private final Predicate<float[]> poison;
    private final Stage stage;
    private final List<Position> positions;
    private final Function<float[], String> idOf;
    private final Set<String> victims = Collections.synchronizedSet(new LinkedHashSet<>());
    private final List<float[]> victimPixels = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger batches = new AtomicInteger();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    /** A batch containing an image that matches {@code poison} fails; everything else goes to the real model. */
    public FaultInjectingEngine(ExplanationEngine real, Predicate<float[]> poison) {
        this.real = real;
        this.poison = poison;
        this.stage = null;
        this.positions = List.of();
        this.idOf = pixels -> null;
    }

    /**
     * @param idOf the image id of some pixels (the test's record of what it sent), to name the victims
     */
    public FaultInjectingEngine(
            ExplanationEngine real, Stage stage, List<Position> positions, Function<float[], String> idOf) {
        this.real = real;
        this.poison = pixels -> false;
        this.stage = stage;
        this.positions = List.copyOf(positions);
        this.idOf = idOf;
    }

    /** The ids of the images chosen as victims so far, in the order they were chosen. */
    public Set<String> victims() {
        synchronized (victims) {
            return new LinkedHashSet<>(victims);
        }
    }

    /** The ids of every image the model was called for so far. */
    public Set<String> seen() {
        return Set.copyOf(seen);
    }

    /** Model calls of more than one image so far. */
    public int batches() {
        return batches.get();
    }

    @Override
    public ModelMetadata model() {
        return real.model();
    }

    private boolean isVictim(float[] image) {
        synchronized (victimPixels) {
            return victimPixels.stream().anyMatch(v -> Arrays.equals(v, image));
        }
    }

    private void chooseVictims(float[][] images) {
        if (stage == null || images.length < 2) {
            return;
        }
        Position position = positions.get(batches.getAndIncrement() % positions.size());
        List<Integer> chosen = switch (position) {
            case FIRST -> List.of(0);
            case MIDDLE -> List.of(images.length / 2);
            case LAST -> List.of(images.length - 1);
            case ALL ->
                java.util.stream.IntStream.range(0, images.length).boxed().toList();
        };
        for (int i : chosen) {
            if (!isVictim(images[i])) {
                victimPixels.add(images[i].clone());
                victims.add(idOf.apply(images[i]));
            }
        }
    }

    @Override
    public BatchExplainer newExplainer() {
        BatchExplainer explainer = real.newExplainer();
        return new BatchExplainer() {
            @Override
            public List<ImageExplanation> explain(float[][] images) {
                for (float[] image : images) {
                    String id = idOf.apply(image);
                    if (id != null) {
                        seen.add(id);
                    }
                }
                chooseVictims(images);
                for (float[] image : images) {
                    if (poison.test(image)) {
                        throw new ExplainerException("injected model failure");
                    }
                    if ((stage == Stage.MODEL_CALL || stage == Stage.PRE_COMMIT_DRAIN) && isVictim(image)) {
                        throw new ExplainerException("injected model failure");
                    }
                }
                List<ImageExplanation> results = new ArrayList<>(explainer.explain(images));
                for (int i = 0; i < images.length; i++) {
                    if (isVictim(images[i])) {
                        results.set(i, spoil(results.get(i)));
                    }
                }
                return results;
            }

            @Override
            public float[] logits(float[] flatImages, int n) {
                return explainer.logits(flatImages, n);
            }

            @Override
            public void close() {
                explainer.close();
            }
        };
    }

    private ImageExplanation spoil(ImageExplanation r) {
        if (stage == Stage.NON_FINITE_RESULT) {
            float[] saliency = r.saliency().clone();
            saliency[0] = Float.NaN;
            return new ImageExplanation(
                    r.scores(),
                    r.predicted(),
                    r.predictedName(),
                    r.runnerUp(),
                    r.runnerUpName(),
                    r.targeted(),
                    r.margin(),
                    r.radius(),
                    r.certificateFactor(),
                    r.lipschitz(),
                    saliency,
                    r.signedGradient(),
                    r.boundaryPoint(),
                    r.counterfactual(),
                    r.t(),
                    r.distance(),
                    r.boundaryDistance(),
                    r.counterfactualClass(),
                    r.boundaryResidual());
        }
        if (stage == Stage.ENCODING) {
            float[] truncated = Arrays.copyOf(r.counterfactual(), r.counterfactual().length - 1);
            return new ImageExplanation(
                    r.scores(),
                    r.predicted(),
                    r.predictedName(),
                    r.runnerUp(),
                    r.runnerUpName(),
                    r.targeted(),
                    r.margin(),
                    r.radius(),
                    r.certificateFactor(),
                    r.lipschitz(),
                    r.saliency(),
                    r.signedGradient(),
                    r.boundaryPoint(),
                    truncated,
                    r.t(),
                    r.distance(),
                    r.boundaryDistance(),
                    r.counterfactualClass(),
                    r.boundaryResidual());
        }
        return r;
    }

    /**
     * {@code real} with an explanation serializer that refuses the explanations of this engine's victims when the
     * stage is {@link Stage#FORWARDING}, the way a serializer refuses a record in Kafka Streams' sink.
     */
    public RecordFormat format(RecordFormat real) {
        Serde<Explanation> serde = real.explanationSerde();
        Serializer<Explanation> serializer = new Serializer<>() {
            @Override
            public byte[] serialize(String topic, Explanation e) {
                if (stage == Stage.FORWARDING && e != null && victims().contains(e.getImageId())) {
                    throw new SerializationException("injected serialization failure for " + e.getImageId());
                }
                return serde.serializer().serialize(topic, e);
            }

            @Override
            public byte[] serialize(String topic, Headers headers, Explanation e) {
                return serialize(topic, e);
            }
        };
        Serde<Explanation> faulty = Serdes.serdeFrom(serializer, serde.deserializer());
        return new RecordFormat() {
            @Override
            public ImageInput readImage(String topic, Headers headers, byte[] value) throws RejectedRecordException {
                return real.readImage(topic, headers, value);
            }

            @Override
            public byte[] writeImage(String topic, ImageInput image) {
                return real.writeImage(topic, image);
            }

            @Override
            public Serde<Explanation> explanationSerde() {
                return faulty;
            }

            @Override
            public Serde<DeadLetter> deadLetterSerde() {
                return real.deadLetterSerde();
            }

            @Override
            public Serde<ExplanationMetrics> metricsSerde() {
                return real.metricsSerde();
            }

            @Override
            public Serde<ExplanationComparison> comparisonSerde() {
                return real.comparisonSerde();
            }
        };
    }

    @Override
    public void close() {}
}
