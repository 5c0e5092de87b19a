package io.otnn.streams.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.ImageExplanation;
import io.otnn.streams.Topics;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.explaining.ExplanationEngine;
import io.otnn.streams.records.ImageInput;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a fault scenario sent, and the check that the {@code read_committed} output holds exactly one outcome per
 * record, its own: every good image one explanation whose scores are the reference engine's for that image's own
 * pixels (and whose label is the image's), every bad record one dead letter of the expected kind carrying its own
 * bytes.
 */
public final class OutcomeLedger {

    private static final int REFERENCE_BATCH = 64;
    private static final double SCORE_TOLERANCE = 1e-4;

    private final Map<String, ImageInput> good = new LinkedHashMap<>();
    private final Map<String, Expected> bad = new LinkedHashMap<>();

    private record Expected(String kind, byte[] value) {}

    /** The counts of one check, printed by the scenarios. */
    public record Counts(
            String scenario,
            int sentGood,
            int sentBad,
            int explained,
            int deadLettered,
            int lost,
            int duplicated,
            int notOwn,
            int unexpected) {

        @Override
        public String toString() {
            return String.format(
                    "[fault scenario] %s: sent %d (good %d, bad %d), explained %d, dead-lettered %d, "
                            + "lost %d, duplicated %d, not its own %d, unexpected %d",
                    scenario,
                    sentGood + sentBad,
                    sentGood,
                    sentBad,
                    explained,
                    deadLettered,
                    lost,
                    duplicated,
                    notOwn,
                    unexpected);
        }
    }

    /** A good RAW_U8 image that must be explained once. */
    public void good(ImageInput image) {
        good.put(image.imageId(), image);
    }

    public void goodAll(Map<String, ImageInput> images) {
        images.values().forEach(this::good);
    }

    /** A record keyed {@code key} that must become one dead letter of {@code kind} carrying {@code value}. */
    public void bad(String key, String kind, byte[] value) {
        bad.put(key, new Expected(kind, value));
    }

    public int goodCount() {
        return good.size();
    }

    public int badCount() {
        return bad.size();
    }

    /**
     * Reads both output topics with {@code read_committed} until every record sent has an outcome or the timeout
     * passes, keeps reading for {@code settle} so that late duplicates are seen, and compares.
     */
    public Result read(
            String scenario,
            String bootstrap,
            Topics topics,
            ExplanationEngine reference,
            Duration timeout,
            Duration settle) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord<String, Explanation>> explanations = KafkaTestClients.readCommitted(
                bootstrap, topics.explanations(), read -> keys(read).containsAll(good.keySet()), timeout, settle);
        Duration left = Duration.ofNanos(Math.max(1_000_000_000L, deadline - System.nanoTime()));
        List<ConsumerRecord<String, DeadLetter>> deadLetters = bad.isEmpty()
                ? KafkaTestClients.readCommitted(bootstrap, topics.deadLetters(), read -> true, Duration.ZERO, settle)
                : KafkaTestClients.readCommitted(
                        bootstrap, topics.deadLetters(), read -> keys(read).containsAll(bad.keySet()), left, settle);
        return compare(scenario, explanations, deadLetters, reference);
    }

    private Result compare(
            String scenario,
            List<ConsumerRecord<String, Explanation>> explanations,
            List<ConsumerRecord<String, DeadLetter>> deadLetters,
            ExplanationEngine reference) {
        Map<String, Integer> explainedTimes = new TreeMap<>();
        Map<String, Explanation> firstExplanation = new HashMap<>();
        for (ConsumerRecord<String, Explanation> r : explanations) {
            explainedTimes.merge(r.key(), 1, Integer::sum);
            firstExplanation.putIfAbsent(r.key(), r.value());
        }
        Map<String, Integer> deadTimes = new TreeMap<>();
        Map<String, DeadLetter> firstDead = new HashMap<>();
        for (ConsumerRecord<String, DeadLetter> r : deadLetters) {
            String key = r.key() == null ? "<null>" : r.key();
            deadTimes.merge(key, 1, Integer::sum);
            firstDead.putIfAbsent(key, r.value());
        }

        Set<String> lost = new TreeSet<>();
        Map<String, Integer> duplicated = new TreeMap<>();
        Set<String> unexpected = new TreeSet<>();
        for (String id : good.keySet()) {
            int outcomes = explainedTimes.getOrDefault(id, 0) + deadTimes.getOrDefault(id, 0);
            if (outcomes == 0) {
                lost.add(id);
            } else if (outcomes > 1) {
                duplicated.put(id, outcomes);
            }
        }
        for (String key : bad.keySet()) {
            int outcomes = explainedTimes.getOrDefault(key, 0) + deadTimes.getOrDefault(key, 0);
            if (outcomes == 0) {
                lost.add(key);
            } else if (outcomes > 1) {
                duplicated.put(key, outcomes);
            }
        }
        explainedTimes.keySet().stream()
                .filter(k -> !good.containsKey(k) && !bad.containsKey(k))
                .forEach(unexpected::add);
        deadTimes.keySet().stream()
                .filter(k -> !good.containsKey(k) && !bad.containsKey(k))
                .forEach(unexpected::add);

        Map<String, String> notOwn = new TreeMap<>();
        checkExplanationsAreTheirOwn(firstExplanation, reference, notOwn);
        bad.forEach((key, expected) -> {
            if (explainedTimes.containsKey(key)) {
                notOwn.put(key, "explained, expected a " + expected.kind() + " dead letter");
            }
            DeadLetter d = firstDead.get(key);
            if (d != null && !d.getRejectionKind().equals(expected.kind())) {
                notOwn.put(key, "dead letter " + d.getRejectionKind() + ", expected " + expected.kind());
            } else if (d != null
                    && expected.value() != null
                    && !Arrays.equals(Buffers.bytes(d.getValue()), expected.value())) {
                notOwn.put(key, "dead letter carries other bytes");
            }
        });
        good.keySet().stream()
                .filter(deadTimes::containsKey)
                .forEach(id -> notOwn.put(
                        id,
                        "good image dead-lettered: " + firstDead.get(id).getRejectionKind() + " "
                                + firstDead.get(id).getMessage()));

        int explainedGood =
                (int) good.keySet().stream().filter(explainedTimes::containsKey).count();
        int deadBad = (int) bad.keySet().stream().filter(deadTimes::containsKey).count();
        Counts counts = new Counts(
                scenario,
                good.size(),
                bad.size(),
                explainedGood,
                deadBad,
                lost.size(),
                duplicated.size(),
                notOwn.size(),
                unexpected.size());
        System.out.println(counts);
        return new Result(counts, lost, duplicated, notOwn, unexpected, explanations.size(), deadLetters.size());
    }

    private void checkExplanationsAreTheirOwn(
            Map<String, Explanation> explanations, ExplanationEngine reference, Map<String, String> notOwn) {
        List<String> ids =
                good.keySet().stream().filter(explanations::containsKey).toList();
        ModelMetadata model = reference.model();
        try (BatchExplainer explainer = reference.newExplainer()) {
            for (int from = 0; from < ids.size(); from += REFERENCE_BATCH) {
                List<String> chunk = ids.subList(from, Math.min(ids.size(), from + REFERENCE_BATCH));
                float[][] pixels = new float[chunk.size()][];
                for (int i = 0; i < chunk.size(); i++) {
                    pixels[i] = decodeRawU8(good.get(chunk.get(i)), model);
                }
                List<ImageExplanation> expected = explainer.explain(pixels);
                for (int i = 0; i < chunk.size(); i++) {
                    String id = chunk.get(i);
                    String problem = problem(explanations.get(id), good.get(id), expected.get(i));
                    if (problem != null) {
                        notOwn.put(id, problem);
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("the reference engine failed", e);
        }
    }

    private static String problem(Explanation e, ImageInput image, ImageExplanation expected) {
        if (!e.getImageId().equals(image.imageId())) {
            return "carries image id " + e.getImageId();
        }
        if (!java.util.Objects.equals(e.getLabel(), image.label())) {
            return "label " + e.getLabel() + ", the image's is " + image.label();
        }
        if (e.getScores().size() != expected.scores().length) {
            return e.getScores().size() + " scores";
        }
        for (int k = 0; k < expected.scores().length; k++) {
            if (Math.abs(e.getScores().get(k) - expected.scores()[k]) > SCORE_TOLERANCE) {
                return "score " + k + " is " + e.getScores().get(k) + ", the image's own is " + expected.scores()[k];
            }
        }
        return null;
    }

    /** RAW_U8 to model input, computed here from the model's declared scale and offset. */
    public static float[] decodeRawU8(ImageInput image, ModelMetadata model) {
        byte[] data = image.data();
        float[] x = new float[data.length];
        for (int i = 0; i < data.length; i++) {
            x[i] = (float)
                    ((data[i] & 0xff) * model.input().rawScale() + model.input().rawOffset());
        }
        return x;
    }

    private static <V> Set<String> keys(List<ConsumerRecord<String, V>> read) {
        Set<String> keys = new java.util.HashSet<>();
        read.forEach(r -> keys.add(r.key()));
        return keys;
    }

    /** The outcome of one check. */
    public record Result(
            Counts counts,
            Set<String> lost,
            Map<String, Integer> duplicated,
            Map<String, String> notOwn,
            Set<String> unexpected,
            int explanationRecords,
            int deadLetterRecords) {

        /** Exactly one outcome per record, its own, and nothing else. */
        public void assertExactlyOnceAndOwn() {
            List<String> firstProblems = new ArrayList<>();
            notOwn.entrySet().stream().limit(10).forEach(e -> firstProblems.add(e.getKey() + ": " + e.getValue()));
            assertThat(lost).as("records without an outcome (%s)", counts).isEmpty();
            assertThat(duplicated)
                    .as("records with more than one outcome (%s)", counts)
                    .isEmpty();
            assertThat(firstProblems)
                    .as("outcomes that are not the record's own (%s)", counts)
                    .isEmpty();
            assertThat(unexpected)
                    .as("outcomes of records never sent (%s)", counts)
                    .isEmpty();
            assertThat(counts.explained() + counts.deadLettered())
                    .isEqualTo(counts.sentGood() + counts.sentBad())
                    .isEqualTo(explanationRecords + deadLetterRecords);
        }
    }
}
